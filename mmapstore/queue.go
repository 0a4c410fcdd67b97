package mmapstore

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// QueueConfig tunes a SegmentQueue. The zero value is valid.
type QueueConfig struct {
	// Prepare makes a background goroutine create, zero-fill and pre-fault
	// the next segment before it is needed, so Append never waits on file
	// creation. Without it the next segment is created inline by Append.
	Prepare bool
	// WriteWithoutMmap writes with pwrite instead of copying into the
	// mapping (RocketMQ writeWithoutMmap). Reads go through the mapping
	// either way.
	WriteWithoutMmap bool
	// PreWrite zero-fills (and syncs) new segments even under
	// WriteWithoutMmap, because fdatasync over pre-written blocks is faster
	// than over fresh ones (set for sync flush). Segments written through the
	// mapping are always zero-filled: a store into an unallocated block
	// faults for tens of milliseconds, or raises SIGBUS on a full disk.
	// Otherwise new segments are only fallocated.
	PreWrite bool
	// Logger receives recovery and retention events; nil means slog.Default().
	Logger *slog.Logger

	ops     *fileOps          // test seam; nil means osFileOps()
	onUnmap func(start int64) // test hook: a segment's mapping was removed
}

// SegmentQueue is a directory of fixed-size segments named by their 20-digit
// start offset, addressed by a byte offset that runs on across segments. It
// is used by the commit log and by consume queues.
//
// One appender at a time: Append, Truncate and SetWriteOffset must not run
// concurrently with each other (the commit log calls them under its append
// lock; a consume queue has one dispatcher). View, WriteOffset,
// FlushedOffset, MinOffset, Flush and DeleteBefore are safe from any
// goroutine.
//
// Goroutines owned: the segment preparer when QueueConfig.Prepare is set,
// stopped by Close.
type SegmentQueue struct {
	dir     string       // immutable
	segSize int64        // immutable
	cfg     QueueConfig  // immutable
	ops     *fileOps     // immutable
	log     *slog.Logger // immutable

	segs atomic.Pointer[[]*segment] // ascending, contiguous; copy-on-write under mu

	mu sync.Mutex // guards changes of segs

	writeOff   atomic.Int64 // bytes below are written; stored by the appender only
	flushedOff atomic.Int64 // bytes below are synced; stored under flushMu

	flushMu sync.Mutex // serializes Flush's syncs; appenders never take it
	syncErr error      // first failed sync; guarded by flushMu; sticky

	prep          *preparer // nil unless cfg.Prepare
	closed        atomic.Bool
	inlineCreates atomic.Int64 // segments the appender had to create itself
	rollWaits     atomic.Int64 // rolls that waited for the preparer to finish
}

// OpenSegmentQueue opens (creating it if needed) a directory of segments of
// segmentSize bytes. Every file named by a 20-digit offset must be exactly
// segmentSize bytes, except that an empty last file is deleted. After Open,
// WriteOffset and FlushedOffset are the end of the last segment (every loaded
// byte counts as written); the owner recovers its records and calls Truncate
// (or SetWriteOffset) at the real end.
func OpenSegmentQueue(dir string, segmentSize int64, cfg ...QueueConfig) (*SegmentQueue, error) {
	if segmentSize < pageSize || segmentSize > 1<<40 {
		return nil, fmt.Errorf("mmapstore: segment size %d: want %d bytes to 1 TiB", segmentSize, pageSize)
	}
	q := &SegmentQueue{dir: dir, segSize: segmentSize}
	if len(cfg) > 0 {
		q.cfg = cfg[0]
	}
	q.ops = q.cfg.ops
	if q.ops == nil {
		q.ops = osFileOps()
	}
	q.log = q.cfg.Logger
	if q.log == nil {
		q.log = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &IOError{Op: "mkdir", File: dir, Err: err}
	}
	segs, err := q.load()
	if err != nil {
		return nil, err
	}
	q.segs.Store(&segs)
	if n := len(segs); n > 0 {
		q.writeOff.Store(segs[n-1].end())
		q.flushedOff.Store(segs[n-1].end())
	}
	if q.cfg.Prepare {
		q.prep = startPreparer(q)
		q.prep.kick(q.nextStart())
	}
	return q, nil
}

// load maps every segment file in the directory, in offset order.
func (q *SegmentQueue) load() ([]*segment, error) {
	entries, err := os.ReadDir(q.dir)
	if err != nil {
		return nil, &IOError{Op: "readdir", File: q.dir, Err: err}
	}
	var segs []*segment
	fail := func(err error) ([]*segment, error) {
		for _, s := range segs {
			s.release()
		}
		return nil, err
	}
	for i, e := range entries {
		if strings.HasSuffix(e.Name(), prepSuffix) && !e.IsDir() {
			q.log.Warn("mmapstore: deleting a segment whose preparation was interrupted", "file", e.Name())
			if err := q.ops.remove(filepath.Join(q.dir, e.Name())); err != nil {
				return fail(&IOError{Op: "remove", File: e.Name(), Err: err})
			}
			continue
		}
		start, ok := parseSegmentName(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		path := q.dir + "/" + e.Name()
		if info, err := e.Info(); err == nil && info.Size() == 0 && i == len(entries)-1 {
			q.log.Warn("mmapstore: deleting empty last segment", "file", path)
			if err := q.ops.remove(path); err != nil {
				return fail(&IOError{Op: "remove", File: path, Offset: start, Err: err})
			}
			continue
		}
		if n := len(segs); n > 0 && segs[n-1].end() != start {
			if q.unusedPrepared(path) {
				// The preparer had created it when the owner cut the
				// queue back below it during recovery, and the process
				// died before the preparer's replacement removed it.
				q.log.Warn("mmapstore: deleting an unused prepared segment after a gap", "file", path)
				if err := q.ops.remove(path); err != nil {
					return fail(&IOError{Op: "remove", File: path, Offset: start, Err: err})
				}
				continue
			}
			return fail(fmt.Errorf("%w: %s follows %s", ErrSegmentGap, path, segs[n-1].path))
		}
		s, err := openSegment(q.ops, path, start, q.segSize)
		if err != nil {
			return fail(err)
		}
		s.onUnmap = q.cfg.onUnmap
		segs = append(segs, s)
	}
	return segs, nil
}

// unusedPrepared reports whether the segment file at path is one the
// preparer made and nobody wrote: only a queue with a preparer can have
// one, and its first bytes, where the first record of any used segment
// starts, are still zero.
func (q *SegmentQueue) unusedPrepared(path string) bool {
	if !q.cfg.Prepare {
		return false
	}
	f, err := q.ops.openFile(path, os.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [blankSize]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return false
	}
	return head == [blankSize]byte{}
}

// zeroFill says whether new segments are zero-filled (see PreWrite).
func (q *SegmentQueue) zeroFill() bool { return !q.cfg.WriteWithoutMmap || q.cfg.PreWrite }

// Dir returns the queue's directory.
func (q *SegmentQueue) Dir() string { return q.dir }

// SegmentSize returns the size of every segment.
func (q *SegmentQueue) SegmentSize() int64 { return q.segSize }

// WriteOffset returns the end of the written bytes.
func (q *SegmentQueue) WriteOffset() int64 { return q.writeOff.Load() }

// FlushedOffset returns the end of the bytes known to be on disk.
func (q *SegmentQueue) FlushedOffset() int64 { return q.flushedOff.Load() }

// MinOffset returns the start of the first segment, or WriteOffset when the
// queue has no segment.
func (q *SegmentQueue) MinOffset() int64 {
	if segs := *q.segs.Load(); len(segs) > 0 {
		return segs[0].start
	}
	return q.writeOff.Load()
}

// Segments returns the start offsets of the listed segments, ascending.
func (q *SegmentQueue) Segments() []int64 {
	segs := *q.segs.Load()
	out := make([]int64, len(segs))
	for i, s := range segs {
		out[i] = s.start
	}
	return out
}

// nextStart is where the segment after the last one starts.
func (q *SegmentQueue) nextStart() int64 {
	if segs := *q.segs.Load(); len(segs) > 0 {
		return segs[len(segs)-1].end()
	}
	off := q.writeOff.Load()
	return off - off%q.segSize
}

// find returns the listed segment holding offset, or nil.
func (q *SegmentQueue) find(offset int64) *segment {
	segs := *q.segs.Load()
	if len(segs) == 0 || offset < segs[0].start {
		return nil
	}
	i := int((offset - segs[0].start) / q.segSize)
	if i >= len(segs) {
		return nil
	}
	return segs[i]
}

// acquireAt finds and references the segment holding offset.
func (q *SegmentQueue) acquireAt(offset int64) (*segment, error) {
	s := q.find(offset)
	if s == nil {
		return nil, fmt.Errorf("%w: %d not in [%d, %d)", ErrOffsetRange, offset, q.MinOffset(), q.WriteOffset())
	}
	if !s.acquire() {
		return nil, fmt.Errorf("%w: offset %d", ErrDeleted, offset)
	}
	return s, nil
}

// View returns n bytes at offset as a zero-copy view of the mapping. The
// range must be written (below WriteOffset) and lie inside one segment.
func (q *SegmentQueue) View(offset int64, n int) (View, error) {
	if n < 0 || offset < 0 || offset+int64(n) > q.writeOff.Load() {
		return View{}, fmt.Errorf("%w: [%d, %d) beyond write offset %d", ErrOffsetRange, offset, offset+int64(n), q.writeOff.Load())
	}
	s, err := q.acquireAt(offset)
	if err != nil {
		return View{}, err
	}
	pos := offset - s.start
	if pos+int64(n) > s.size {
		s.release()
		return View{}, fmt.Errorf("%w: [%d, %d)", ErrCrossSegment, offset, offset+int64(n))
	}
	return View{seg: s, b: s.data[pos : pos+int64(n) : pos+int64(n)]}, nil
}

// viewRest returns the written bytes from offset to the end of its segment
// (or to limit, whichever is first).
func (q *SegmentQueue) viewRest(offset, limit int64) (View, error) {
	s, err := q.acquireAt(offset)
	if err != nil {
		return View{}, err
	}
	end := min(s.end(), limit)
	if end < offset {
		end = offset
	}
	return View{seg: s, b: s.data[offset-s.start : end-s.start : end-s.start]}, nil
}

// Append writes p at the write offset and returns the offset it was written
// at. When p does not fit in the rest of the current segment, the rest is
// left as zeros and p starts the next segment. p must not exceed a segment.
func (q *SegmentQueue) Append(p []byte) (int64, error) {
	if q.closed.Load() {
		return 0, ErrClosed
	}
	if int64(len(p)) > q.segSize {
		return 0, fmt.Errorf("%w: %d bytes", ErrRecordSpansEnd, len(p))
	}
	off := q.writeOff.Load()
	if rest := q.segSize - off%q.segSize; int64(len(p)) > rest {
		off += rest
	}
	s, err := q.writable(off)
	if err != nil {
		return 0, err
	}
	if err := s.writeAt(p, off-s.start, q.cfg.WriteWithoutMmap); err != nil {
		return 0, err
	}
	q.writeOff.Store(off + int64(len(p)))
	return off, nil
}

// writable returns the segment that holds offset, creating (or taking the
// prepared) next segment when offset is at or past the end of the last one.
// Only the appender calls it.
func (q *SegmentQueue) writable(offset int64) (*segment, error) {
	if s := q.find(offset); s != nil {
		return s, nil
	}
	start := offset - offset%q.segSize
	if segs := *q.segs.Load(); len(segs) > 0 && segs[len(segs)-1].end() != start {
		return nil, fmt.Errorf("%w: write at %d after last segment end %d", ErrSegmentGap, offset, segs[len(segs)-1].end())
	}
	var s *segment
	if q.prep != nil {
		s = q.prep.take(start)
	}
	if s == nil {
		q.inlineCreates.Add(1)
		var err error
		if s, err = createSegment(q.ops, q.dir, start, q.segSize, q.cfg.Prepare, q.zeroFill()); err != nil {
			return nil, err
		}
	}
	s.onUnmap = q.cfg.onUnmap
	q.mu.Lock()
	segs := append(slices.Clone(*q.segs.Load()), s)
	q.segs.Store(&segs)
	q.mu.Unlock()
	if q.prep != nil {
		q.prep.kick(s.end())
	}
	return s, nil
}

// Flush syncs every segment that holds bytes between FlushedOffset and
// WriteOffset, then advances FlushedOffset. Concurrent Flush calls run one
// after the other. A failed sync is sticky: every later Flush returns it
// and FlushedOffset no longer moves.
func (q *SegmentQueue) Flush() error {
	q.flushMu.Lock()
	defer q.flushMu.Unlock()
	_, err := q.flushLocked(q.writeOff.Load())
	return err
}

// flushLocked syncs up to target (at most WriteOffset); q.flushMu is held.
// It returns the new flushed offset.
func (q *SegmentQueue) flushLocked(target int64) (int64, error) {
	from := q.flushedOff.Load()
	if q.syncErr != nil {
		// The kernel may have dropped the pages the failed sync was
		// writing; a later sync that succeeds proves nothing about them.
		return from, q.syncErr
	}
	if target <= from {
		return from, nil
	}
	for off := from; off < target; {
		s := q.find(off)
		if s == nil {
			// Below the first listed segment: DeleteBefore removed
			// segments that were never synced. Their bytes are gone
			// anyway; go on with the oldest segment still listed.
			if min := q.MinOffset(); off < min {
				off = min
				continue
			}
			return from, fmt.Errorf("%w: %d not in [%d, %d)", ErrOffsetRange, off, q.MinOffset(), q.WriteOffset())
		}
		if !s.acquire() { // deleted since find: nothing left to sync
			off = s.end()
			continue
		}
		err := s.sync()
		next := s.end()
		s.release()
		if err != nil {
			q.syncErr = err
			return from, err
		}
		off = next
	}
	q.flushedOff.Store(target)
	return target, nil
}

// Truncate drops everything at and after offset: later segments are
// deleted, the rest of the segment holding offset is zero-filled and synced,
// and WriteOffset (and FlushedOffset, if it was beyond) become offset.
func (q *SegmentQueue) Truncate(offset int64) error {
	return q.truncateTo(offset, q.writeOff.Load())
}

// truncateTo is Truncate, zero-filling only up to zeroEnd.
func (q *SegmentQueue) truncateTo(offset, zeroEnd int64) error {
	q.flushMu.Lock()
	defer q.flushMu.Unlock()
	if err := q.dropFrom(offset); err != nil {
		return err
	}
	old := zeroEnd
	if s := q.find(offset); s != nil && offset > s.start && old > offset {
		if !s.acquire() {
			return fmt.Errorf("%w: offset %d", ErrDeleted, offset)
		}
		_, err := zeroFill(q.ops, s.f, offset-s.start, min(old, s.end())-s.start)
		s.release()
		if err != nil {
			return &IOError{Op: "truncate", File: s.path, Offset: offset, Err: err}
		}
	}
	q.writeOff.Store(offset)
	if q.flushedOff.Load() > offset {
		q.flushedOff.Store(offset)
	}
	if q.prep != nil {
		q.prep.kick(q.nextStart())
	}
	return nil
}

// SetWriteOffset sets the write position after recovery; it is Truncate.
func (q *SegmentQueue) SetWriteOffset(offset int64) error { return q.Truncate(offset) }

// dropFrom unlists and deletes every segment that starts at or after offset.
func (q *SegmentQueue) dropFrom(offset int64) error {
	q.mu.Lock()
	segs := *q.segs.Load()
	i := len(segs)
	for i > 0 && segs[i-1].start >= offset {
		i--
	}
	dropped := slices.Clone(segs[i:])
	kept := slices.Clone(segs[:i])
	q.segs.Store(&kept)
	q.mu.Unlock()
	return q.destroy(dropped)
}

// destroy deletes unlisted segments: unlink, sync the directory, drop the
// queue's reference (the mapping goes when the last reader releases).
func (q *SegmentQueue) destroy(segs []*segment) error {
	var first error
	for _, s := range segs {
		if err := q.ops.remove(s.path); err != nil && first == nil {
			first = &IOError{Op: "remove", File: s.path, Offset: s.start, Err: err}
		}
		s.release()
	}
	if len(segs) > 0 {
		if err := q.ops.syncDir(q.dir); err != nil && first == nil {
			first = &IOError{Op: "sync-dir", File: q.dir, Err: err}
		}
	}
	return first
}

// DeleteBefore deletes whole segments that end at or below offset, oldest
// first, never the last segment. Readers holding views of a deleted segment
// keep valid bytes: its mapping is removed only when the last view is
// released. It returns how many segments were deleted.
func (q *SegmentQueue) DeleteBefore(offset int64) (int, error) {
	return q.deleteOldest(func(s *segment) bool { return s.end() <= offset }, -1)
}

// deleteOldest deletes up to max (all if max < 0) segments from the front
// while expired says so, never the last segment.
func (q *SegmentQueue) deleteOldest(expired func(*segment) bool, max int) (int, error) {
	q.mu.Lock()
	segs := *q.segs.Load()
	n := 0
	for n < len(segs)-1 && (max < 0 || n < max) && expired(segs[n]) {
		n++
	}
	dropped := slices.Clone(segs[:n])
	kept := slices.Clone(segs[n:])
	q.segs.Store(&kept)
	q.mu.Unlock()
	return n, q.destroy(dropped)
}

// Close flushes, stops the preparer and drops the queue's references. Views
// still held stay valid until released. Close is safe to call twice.
func (q *SegmentQueue) Close() error {
	if q.closed.Swap(true) {
		return nil
	}
	err := q.Flush()
	if q.prep != nil {
		q.prep.stop()
	}
	q.mu.Lock()
	segs := *q.segs.Load()
	empty := []*segment{}
	q.segs.Store(&empty)
	q.mu.Unlock()
	for _, s := range segs {
		s.release()
	}
	return err
}
