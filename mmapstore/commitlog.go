package mmapstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
)

// CommitLog is the broker's commit log: stored-message records appended back
// to back over a SegmentQueue, flushed asynchronously or by group commit,
// recovered on Open, trimmed by retention. See doc.go for the design.
//
// Goroutines owned (started by Open, stopped and awaited by Close): the
// flusher (flushLoop), the sync-flush timeout watchdog (watchLoop, sync flush
// only), the checkpoint writer (checkpointLoop), the retention loop
// (retentionLoop) and the segment preparer of the queue.
type CommitLog struct {
	cfg       Config        // immutable after Open, defaults filled
	q         *SegmentQueue // immutable
	storeHost []byte        // cfg.StoreHost as stored; immutable
	ckp       *Checkpoint   // immutable pointer
	recovery  RecoveryReport
	delHours  [24]bool // immutable

	// mu is the append lock: it orders records and guards the fields below.
	mu struct {
		sync.Mutex
		queueOffsets map[string][]int64 // topic → next queue offset per queue id
		lastStoreTs  int64              // store timestamp of the last record written
		wb           writeBuf           // buffered appends (pwrite mode)
		room         *sync.Cond         // on mu: signalled when the write buffer is swapped out
	}

	commitMu     sync.Mutex            // serializes commitPending: one writer of buffered bytes at a time
	reserved     atomic.Int64          // mu.wb.next, for WritePending's lock-free check
	err          atomic.Pointer[error] // sticky write/sync error
	confirmed    atomic.Int64          // see ConfirmedOffset
	confirmedSig chan struct{}         // capacity 1
	flushedTs    atomic.Int64          // store time of the last flushed record

	gc groupCommit // sync flush only

	quit    chan struct{}
	wg      sync.WaitGroup
	closed  atomic.Bool
	closeMu sync.Mutex // serializes Close
}

// Open opens the commit log under cfg.StorePathRootDir, creating it if
// needed, recovers it (see RecoveryReport) and starts its goroutines. It
// fails with a *CorruptionError when a damaged record is followed by valid
// ones.
func Open(cfg Config) (*CommitLog, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	l := &CommitLog{cfg: cfg, confirmedSig: make(chan struct{}, 1), quit: make(chan struct{})}
	l.delHours, _ = deleteHours(cfg.DeleteWhen)
	l.storeHost = appendStoreHost(nil, cfg.StoreHost)
	l.mu.queueOffsets = make(map[string][]int64)
	l.mu.room = sync.NewCond(&l.mu.Mutex)
	l.mu.wb.enabled = !cfg.WriteWithMmap
	l.mu.wb.limit = maxPendingBytes
	if err := os.MkdirAll(cfg.StorePathRootDir, 0o755); err != nil {
		return nil, &IOError{Op: "mkdir", File: cfg.StorePathRootDir, Err: err}
	}
	_, statErr := os.Stat(l.abortPath())
	cleanShutdown := errors.Is(statErr, os.ErrNotExist)
	ckp, err := openCheckpoint(cfg.ops, filepath.Join(cfg.StorePathRootDir, "checkpoint"))
	if err != nil {
		return nil, err
	}
	l.ckp = ckp
	q, err := OpenSegmentQueue(cfg.StorePathCommitLog, cfg.MappedFileSizeCommitLog, QueueConfig{
		Prepare: true, WriteWithoutMmap: !cfg.WriteWithMmap, PreWrite: cfg.WarmMapedFileEnable,
		Logger: cfg.Logger, ops: cfg.ops, onUnmap: cfg.onUnmap,
	})
	if err != nil {
		ckp.close()
		return nil, err
	}
	l.q = q
	if err := l.recover(cleanShutdown); err != nil {
		q.Close()
		ckp.close()
		return nil, err
	}
	if err := l.writeAbort(); err != nil {
		q.Close()
		ckp.close()
		return nil, err
	}
	l.start()
	return l, nil
}

func (l *CommitLog) abortPath() string { return filepath.Join(l.cfg.StorePathRootDir, "abort") }

// writeAbort creates the abort marker (holding the pid, as RocketMQ does);
// it exists while the log is open and is removed by a clean Close.
func (l *CommitLog) writeAbort() error {
	f, err := l.cfg.ops.openFile(l.abortPath(), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return &IOError{Op: "create", File: l.abortPath(), Err: err}
	}
	_, err = l.cfg.ops.writeAt(f, strconv.AppendInt(nil, int64(os.Getpid()), 10), 0)
	if err == nil {
		err = l.cfg.ops.sync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = l.cfg.ops.syncDir(l.cfg.StorePathRootDir)
	}
	if err != nil {
		return &IOError{Op: "write", File: l.abortPath(), Err: err}
	}
	return nil
}

func (l *CommitLog) start() {
	l.gc.init()
	l.goLabeled("flush", l.flushLoop)
	if l.cfg.FlushDiskType == SyncFlush {
		l.goLabeled("sync-flush-watchdog", l.watchLoop)
	}
	l.goLabeled("checkpoint", l.checkpointLoop)
	l.goLabeled("retention", l.retentionLoop)
}

func (l *CommitLog) goLabeled(name string, fn func()) {
	l.wg.Add(1)
	go pprof.Do(context.Background(), pprof.Labels("mmapstore", name), func(context.Context) {
		defer l.wg.Done()
		fn()
	})
}

// Err returns the sticky error, or nil.
func (l *CommitLog) Err() error {
	if p := l.err.Load(); p != nil {
		return *p
	}
	return nil
}

// setErr records the first write or sync error; later appends return it.
func (l *CommitLog) setErr(err error) error {
	if l.err.CompareAndSwap(nil, &err) {
		l.cfg.Logger.Error("mmapstore: commit log refuses appends from now on", "err", err)
		l.mu.room.Broadcast() // appenders waiting for buffer room fail now
	}
	return l.Err()
}

// ConfirmedOffset is what dispatch may read: the flushed offset under sync
// flush, the written offset under async flush.
func (l *CommitLog) ConfirmedOffset() int64 { return l.confirmed.Load() }

// ConfirmedSignal returns a capacity-1 channel that receives after
// ConfirmedOffset advances. It has one consumer (the dispatcher).
func (l *CommitLog) ConfirmedSignal() <-chan struct{} { return l.confirmedSig }

func (l *CommitLog) setConfirmed(off int64) {
	for {
		cur := l.confirmed.Load()
		if off <= cur {
			return
		}
		if l.confirmed.CompareAndSwap(cur, off) {
			break
		}
	}
	select {
	case l.confirmedSig <- struct{}{}:
	default:
	}
}

// MinOffset is the first stored offset (start of the oldest segment).
func (l *CommitLog) MinOffset() int64 { return l.q.MinOffset() }

// MaxOffset is the end of the written records.
func (l *CommitLog) MaxOffset() int64 { return l.q.WriteOffset() }

// FlushedOffset is the end of the records known to be on disk.
func (l *CommitLog) FlushedOffset() int64 { return l.q.FlushedOffset() }

// SegmentSize is MappedFileSizeCommitLog.
func (l *CommitLog) SegmentSize() int64 { return l.q.segSize }

// Checkpoint returns the store checkpoint, which other store parts (consume
// queues, index) update with their own progress.
func (l *CommitLog) Checkpoint() *Checkpoint { return l.ckp }

// Stats are counters for monitoring and benchmarks.
type Stats struct {
	GroupCommits     int64 // sync-flush rounds (one fdatasync pass each)
	GroupCommitted   int64 // appends completed by those rounds
	InlineSegments   int64 // segments an append had to create itself, the first one of a new log included
	RollWaits        int64 // rolls that waited for the preparer to finish the next segment
	SegmentsInMemory int   // listed segments
}

// Stats returns the counters.
func (l *CommitLog) Stats() Stats {
	return Stats{
		GroupCommits:     l.gc.syncs.Load(),
		GroupCommitted:   l.gc.requests.Load(),
		InlineSegments:   l.q.inlineCreates.Load(),
		RollWaits:        l.q.rollWaits.Load(),
		SegmentsInMemory: len(*l.q.segs.Load()),
	}
}

// Recovery reports what Open found and did.
func (l *CommitLog) Recovery() RecoveryReport { return l.recovery }

// View returns n raw bytes at offset (for replication); see SegmentQueue.View.
func (l *CommitLog) View(offset int64, n int) (View, error) { return l.q.View(offset, n) }

// Flush syncs everything written so far.
func (l *CommitLog) Flush() error { return l.flushTo(l.q.WriteOffset()) }

// Close stops the goroutines, completes pending sync-flush appends (after a
// final flush), writes the checkpoint, removes the abort marker on success
// and drops the segments. Views still held stay valid until released. Safe
// to call twice.
func (l *CommitLog) Close() error {
	l.closeMu.Lock()
	defer l.closeMu.Unlock()
	if l.closed.Swap(true) {
		return nil
	}
	l.mu.Lock()           // no append is in flight after this
	l.mu.room.Broadcast() // appenders waiting for buffer room get ErrClosed
	l.mu.Unlock()
	close(l.quit)
	l.wg.Wait()
	err := l.Flush()
	l.gc.completeAll(l.q.FlushedOffset(), err)
	if cerr := l.writeCheckpoint(); err == nil {
		err = cerr
	}
	if err == nil && l.Err() == nil {
		if rerr := l.cfg.ops.remove(l.abortPath()); rerr == nil {
			err = l.cfg.ops.syncDir(l.cfg.StorePathRootDir)
		} else {
			err = rerr
		}
	}
	if qerr := l.q.Close(); err == nil {
		err = qerr
	}
	l.ckp.close()
	return err
}
