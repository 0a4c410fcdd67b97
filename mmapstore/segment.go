package mmapstore

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
)

const (
	pageSize = 4096
	// zeroChunk is how much zero-fill is written between two fdatasyncs
	// while preparing a segment, so preparation never queues more than this
	// much I/O in front of a commit-log sync.
	zeroChunk = 1 << 20
)

// prepSuffix marks a segment file still being prepared.
const prepSuffix = ".prep"

var zeroBuf [1 << 20]byte // read-only source of zeros for zero-fill

// segment is one fixed-size file, mapped read-write for its whole life.
//
// Reference counting: the queue holds one reference while the segment is
// listed; every View and every internal user (flush, truncate) holds one
// more. The mapping is removed and the file closed when the count reaches 0,
// so a segment is never unmapped under a reader. acquire never revives a
// segment whose count has reached 0.
type segment struct {
	start int64    // commit-log offset of byte 0; immutable
	size  int64    // immutable
	path  string   // immutable
	f     *os.File // immutable; closed when refs reaches 0
	data  []byte   // the mapping; immutable; unmapped when refs reaches 0
	ops   *fileOps // immutable
	refs  atomic.Int64
	// onUnmap, if set, is called after the mapping is removed (tests).
	onUnmap func(start int64)
}

// segmentName is RocketMQ's file name: the start offset, 20 decimal digits.
func segmentName(start int64) string {
	return fmt.Sprintf("%020d", start)
}

func parseSegmentName(name string) (int64, bool) {
	if len(name) != 20 {
		return 0, false
	}
	v, err := strconv.ParseInt(name, 10, 64)
	return v, err == nil && v >= 0
}

// createSegment creates, sizes, syncs the directory of, and maps a new
// segment. With zero set the file is zero-filled chunk by chunk (each chunk
// synced) before it is mapped, so a store into the mapping never allocates a
// block (no page-fault stall, no SIGBUS on a full disk), and, when prefault
// is set, the mapping is pre-faulted for writing. Without zero the file is
// fallocated (space reserved, so a full disk fails here) and only ever
// written with pwrite.
//
// The file is built under a temporary name (prepSuffix) and renamed into
// place once sized and synced, so a crash mid-preparation never leaves a
// short segment that would stop the next Open; load deletes leftovers.
func createSegment(ops *fileOps, dir string, start, size int64, prefault, zero bool) (*segment, error) {
	path := filepath.Join(dir, segmentName(start))
	tmp := path + prepSuffix
	f, err := ops.openFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, &IOError{Op: "create", File: tmp, Offset: start, Err: err}
	}
	fail := func(op string, off int64, err error) (*segment, error) {
		f.Close()
		ops.remove(tmp) // best effort: load deletes leftovers too
		return nil, &IOError{Op: op, File: path, Offset: start + off, Err: err}
	}
	if zero {
		if off, err := zeroFill(ops, f, 0, size); err != nil {
			return fail("zero-fill", off, err)
		}
	} else if err := ops.allocate(f, size); err != nil {
		return fail("allocate", 0, err)
	} else if err := ops.sync(f); err != nil {
		return fail("sync", 0, err)
	}
	if err := ops.rename(tmp, path); err != nil {
		return fail("rename", 0, err)
	}
	if err := ops.syncDir(dir); err != nil {
		f.Close()
		return nil, &IOError{Op: "sync-dir", File: path, Offset: start, Err: err}
	}
	data, err := ops.mmap(f, int(size))
	if err != nil {
		return fail("mmap", 0, err)
	}
	if prefault && zero {
		populateWrite(data)
	}
	s := &segment{start: start, size: size, path: path, f: f, data: data, ops: ops}
	s.refs.Store(1)
	return s, nil
}

// zeroFill writes zeros over [from, to) of f with pwrite, syncing every
// zeroChunk bytes. It returns the offset reached on error.
func zeroFill(ops *fileOps, f *os.File, from, to int64) (int64, error) {
	synced := from
	for off := from; off < to; {
		n := min(int64(len(zeroBuf)), to-off)
		if _, err := ops.writeAt(f, zeroBuf[:n], off); err != nil {
			return off, err
		}
		off += n
		if off-synced >= zeroChunk || off == to {
			if err := ops.sync(f); err != nil {
				return off, err
			}
			synced = off
		}
	}
	return to, nil
}

// openSegment maps an existing segment file, which must be exactly size bytes.
func openSegment(ops *fileOps, path string, start, size int64) (*segment, error) {
	f, err := ops.openFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, &IOError{Op: "open", File: path, Offset: start, Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &IOError{Op: "stat", File: path, Offset: start, Err: err}
	}
	if st.Size() != size {
		f.Close()
		return nil, fmt.Errorf("%w: %s is %d bytes, want %d", ErrSegmentSize, path, st.Size(), size)
	}
	data, err := ops.mmap(f, int(size))
	if err != nil {
		f.Close()
		return nil, &IOError{Op: "mmap", File: path, Offset: start, Err: err}
	}
	s := &segment{start: start, size: size, path: path, f: f, data: data, ops: ops}
	s.refs.Store(1)
	return s, nil
}

func (s *segment) end() int64 { return s.start + s.size }

// acquire takes a reference unless the segment is already released.
func (s *segment) acquire() bool {
	for {
		n := s.refs.Load()
		if n <= 0 {
			return false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference; the last one unmaps and closes the file.
func (s *segment) release() {
	n := s.refs.Add(-1)
	if n > 0 {
		return
	}
	if n < 0 {
		panic("mmapstore: segment released more often than acquired")
	}
	// Unmapping a valid mapping and closing a file we opened fail only on a
	// bug; there is no caller left to tell, so the errors are dropped.
	_ = s.ops.munmap(s.data)
	_ = s.f.Close()
	if s.onUnmap != nil {
		s.onUnmap(s.start)
	}
}

// writeAt stores p at segment position pos: a copy into the mapping, or a
// pwrite when usePwrite is set. Readers see the same bytes either way.
func (s *segment) writeAt(p []byte, pos int64, usePwrite bool) error {
	if !usePwrite {
		copy(s.data[pos:], p)
		return nil
	}
	if _, err := s.ops.writeAt(s.f, p, pos); err != nil {
		return &IOError{Op: "write", File: s.path, Offset: s.start + pos, Err: err}
	}
	return nil
}

func (s *segment) sync() error {
	if err := s.ops.sync(s.f); err != nil {
		return &IOError{Op: "sync", File: s.path, Offset: s.start, Err: err}
	}
	return nil
}
