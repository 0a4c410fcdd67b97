package mmapstore

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpoint is the store checkpoint file (RocketMQ StoreCheckpoint), 4096
// bytes, big-endian:
//
//	off  size  field
//	  0     8  physicMsgTimestamp   store time of the last flushed commit-log record
//	  8     8  logicsMsgTimestamp   store time of the last record dispatched to a consume queue
//	 16     8  indexMsgTimestamp    end time of the last full index file flushed
//	 24     8  masterFlushedOffset  commit-log offset known flushed (recovery's safe point)
//	 32     8  confirmPhyOffset     ConfirmedOffset at the time of writing
//
// The file is rewritten in place (one pwrite of 40 bytes inside the first
// 512-byte sector, then fdatasync) every CheckpointInterval and at Close.
// The flushed offset written is always one that was already synced, so the
// checkpoint never claims more than the disk holds. This layout must never change.
type Checkpoint struct {
	ops  *fileOps
	path string
	f    *os.File

	physicMsgTimestamp  atomic.Int64
	logicsMsgTimestamp  atomic.Int64
	indexMsgTimestamp   atomic.Int64
	masterFlushedOffset atomic.Int64
	confirmPhyOffset    atomic.Int64

	writeMu sync.Mutex // serializes writes of the file
	written [40]byte   // last bytes written; guarded by writeMu
}

const checkpointSize = 4096

func openCheckpoint(ops *fileOps, path string) (*Checkpoint, error) {
	f, err := ops.openFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, &IOError{Op: "open", File: path, Err: err}
	}
	c := &Checkpoint{ops: ops, path: path, f: f}
	var b [40]byte
	if _, err := f.ReadAt(b[:], 0); err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, &IOError{Op: "read", File: path, Err: err}
	}
	be := binary.BigEndian
	c.physicMsgTimestamp.Store(int64(be.Uint64(b[0:])))
	c.logicsMsgTimestamp.Store(int64(be.Uint64(b[8:])))
	c.indexMsgTimestamp.Store(int64(be.Uint64(b[16:])))
	c.masterFlushedOffset.Store(int64(be.Uint64(b[24:])))
	c.confirmPhyOffset.Store(int64(be.Uint64(b[32:])))
	c.written = b
	if st, err := f.Stat(); err == nil && st.Size() < checkpointSize {
		if err := ops.truncate(f, checkpointSize); err != nil {
			f.Close()
			return nil, &IOError{Op: "truncate", File: path, Err: err}
		}
	}
	return c, nil
}

// PhysicMsgTimestamp is the store time of the last flushed commit-log record.
func (c *Checkpoint) PhysicMsgTimestamp() int64 { return c.physicMsgTimestamp.Load() }

// LogicsMsgTimestamp is the store time of the last dispatched record.
func (c *Checkpoint) LogicsMsgTimestamp() int64 { return c.logicsMsgTimestamp.Load() }

// SetLogicsMsgTimestamp is called by consume-queue dispatch.
func (c *Checkpoint) SetLogicsMsgTimestamp(ms int64) { c.logicsMsgTimestamp.Store(ms) }

// IndexMsgTimestamp is the end time of the last full index file flushed.
func (c *Checkpoint) IndexMsgTimestamp() int64 { return c.indexMsgTimestamp.Load() }

// SetIndexMsgTimestamp is called by the index when a full file is flushed.
func (c *Checkpoint) SetIndexMsgTimestamp(ms int64) { c.indexMsgTimestamp.Store(ms) }

// FlushedOffset is the commit-log offset recorded as flushed.
func (c *Checkpoint) FlushedOffset() int64 { return c.masterFlushedOffset.Load() }

// ConfirmPhyOffset is the confirmed offset recorded.
func (c *Checkpoint) ConfirmPhyOffset() int64 { return c.confirmPhyOffset.Load() }

// MinTimestamp is min(physic, logics) - 3 s, floored at 0 (RocketMQ's
// abnormal-recovery bound).
func (c *Checkpoint) MinTimestamp() int64 {
	return max(0, min(c.PhysicMsgTimestamp(), c.LogicsMsgTimestamp())-3000)
}

// Flush writes the checkpoint file if it changed since the last write.
func (c *Checkpoint) Flush() error {
	var b [40]byte
	be := binary.BigEndian
	be.PutUint64(b[0:], uint64(c.physicMsgTimestamp.Load()))
	be.PutUint64(b[8:], uint64(c.logicsMsgTimestamp.Load()))
	be.PutUint64(b[16:], uint64(c.indexMsgTimestamp.Load()))
	be.PutUint64(b[24:], uint64(c.masterFlushedOffset.Load()))
	be.PutUint64(b[32:], uint64(c.confirmPhyOffset.Load()))
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if b == c.written {
		return nil
	}
	if _, err := c.ops.writeAt(c.f, b[:], 0); err != nil {
		return &IOError{Op: "write", File: c.path, Err: err}
	}
	if err := c.ops.sync(c.f); err != nil {
		return &IOError{Op: "sync", File: c.path, Err: err}
	}
	c.written = b
	return nil
}

func (c *Checkpoint) close() { c.f.Close() }

// writeCheckpoint records the commit log's flushed progress and writes the file.
func (l *CommitLog) writeCheckpoint() error {
	l.ckp.masterFlushedOffset.Store(l.q.FlushedOffset())
	l.ckp.physicMsgTimestamp.Store(l.flushedTs.Load())
	l.ckp.confirmPhyOffset.Store(l.ConfirmedOffset())
	return l.ckp.Flush()
}

// checkpointLoop writes the checkpoint every CheckpointInterval.
func (l *CommitLog) checkpointLoop() {
	t := time.NewTicker(l.cfg.CheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-l.quit:
			return
		case <-t.C:
			if err := l.writeCheckpoint(); err != nil {
				l.cfg.Logger.Warn("mmapstore: writing checkpoint", "err", err)
			}
		}
	}
}
