package index

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"

	"github.com/fastmq/fastmq/mmapstore"
)

// ConsumeQueue is one topic-queue's consume queue: 20-byte entries, entry n
// at byte n*20 of a SegmentQueue whose files are named by that byte offset.
//
// Concurrency: one writer, the Store's dispatcher (put, recovery, truncation
// and deleteBefore run on it or before it starts); any number of readers
// (MinOffset, MaxOffset, Entry, ReadEntries, OffsetByTime), which see an
// entry only after its bytes are written (maxOffset is published after the
// append).
type ConsumeQueue struct {
	topic   string                  // immutable
	queueID int32                   // immutable
	segs    *mmapstore.SegmentQueue // immutable pointer; safe for one appender plus readers
	log     *mmapstore.CommitLog    // immutable; for store times in OffsetByTime
	logger  *slog.Logger            // immutable

	minOffset atomic.Int64 // first cqIndex whose message may still be in the log
	maxOffset atomic.Int64 // next cqIndex to be written; entries below are readable

	// owned by the dispatcher
	maxPhyEnd     int64           // end of the newest entry's record; idempotence bound
	buf           [EntrySize]byte // encode buffer
	notifyPending bool            // queued in the dispatcher's grown list
}

// Topic returns the queue's topic.
func (q *ConsumeQueue) Topic() string { return q.topic }

// QueueID returns the queue's id.
func (q *ConsumeQueue) QueueID() int32 { return q.queueID }

// MinOffset returns the first consume-queue offset whose message may still
// be stored (RocketMQ getMinOffsetInQueue).
func (q *ConsumeQueue) MinOffset() int64 { return q.minOffset.Load() }

// MaxOffset returns the next consume-queue offset to be written, which is
// the number of entries the queue has ever had (getMaxOffsetInQueue).
func (q *ConsumeQueue) MaxOffset() int64 { return q.maxOffset.Load() }

// Entry returns the entry at cqIndex, which must be in [MinOffset, MaxOffset).
func (q *ConsumeQueue) Entry(cqIndex int64) (Entry, error) {
	if cqIndex < q.MinOffset() || cqIndex >= q.MaxOffset() {
		return Entry{}, q.rangeErr(cqIndex)
	}
	v, err := q.segs.View(cqIndex*EntrySize, EntrySize)
	if err != nil {
		return Entry{}, q.readErr(cqIndex, err)
	}
	e := decodeEntry(v.Bytes())
	v.Release()
	return e, nil
}

// ReadEntries appends to dst the entries from cqIndex on, at most max of
// them and never past the end of the segment holding cqIndex (the caller
// asks again from where it stopped), and returns dst. cqIndex must be in
// [MinOffset, MaxOffset). It allocates only if dst must grow.
func (q *ConsumeQueue) ReadEntries(dst []Entry, cqIndex int64, max int) ([]Entry, error) {
	hi := q.MaxOffset()
	if cqIndex < q.MinOffset() || cqIndex >= hi {
		return dst, q.rangeErr(cqIndex)
	}
	perSeg := q.segs.SegmentSize() / EntrySize
	n := min(int64(max), hi-cqIndex, perSeg-cqIndex%perSeg)
	if n <= 0 {
		return dst, nil
	}
	v, err := q.segs.View(cqIndex*EntrySize, int(n)*EntrySize)
	if err != nil {
		return dst, q.readErr(cqIndex, err)
	}
	b := v.Bytes()
	for i := 0; i+EntrySize <= len(b); i += EntrySize {
		dst = append(dst, decodeEntry(b[i:]))
	}
	v.Release()
	return dst, nil
}

func (q *ConsumeQueue) rangeErr(cqIndex int64) error {
	return fmt.Errorf("%w: %s/%d offset %d not in [%d, %d)", ErrOffsetOutOfRange,
		q.topic, q.queueID, cqIndex, q.MinOffset(), q.MaxOffset())
}

func (q *ConsumeQueue) readErr(cqIndex int64, err error) error {
	if errors.Is(err, mmapstore.ErrOffsetRange) || errors.Is(err, mmapstore.ErrDeleted) {
		return fmt.Errorf("%w: %s/%d offset %d: %v", ErrOffsetOutOfRange, q.topic, q.queueID, cqIndex, err)
	}
	return fmt.Errorf("index: read %s/%d offset %d: %w", q.topic, q.queueID, cqIndex, err)
}

// OffsetByTime returns the consume-queue offset nearest to the store time
// ts (ms): with BoundaryLower the first entry stored at or after ts
// (MaxOffset if none), with BoundaryUpper the last stored at or before ts
// (MinOffset if none). It binary-searches the entries, reading each
// candidate's store time from its commit-log record, as RocketMQ's
// getOffsetInQueueByTime does. Entries whose record was deleted count as
// older than any time.
func (q *ConsumeQueue) OffsetByTime(ts int64, b Boundary) (int64, error) {
	return searchTime(q.MinOffset(), q.MaxOffset(), ts, b, q.storeTimeAt)
}

// storeTimeAt returns the store time of the message of entry cqIndex.
func (q *ConsumeQueue) storeTimeAt(cqIndex int64) (int64, error) {
	e, err := q.Entry(cqIndex)
	if err != nil {
		return 0, err
	}
	if e.Filler() || e.PhyOffset < q.log.MinOffset() {
		return math.MinInt64, nil
	}
	ts, err := storeTimestamp(q.log, e.PhyOffset)
	if errors.Is(err, mmapstore.ErrOffsetRange) || errors.Is(err, mmapstore.ErrDeleted) {
		return math.MinInt64, nil // deleted under us
	}
	return ts, err
}

// firstAtOrAfter returns the first cqIndex in [lo, hi) whose entry points
// at or past phyOffset (hi if none); fillers count as below.
func (q *ConsumeQueue) firstAtOrAfter(lo, hi, phyOffset int64) (int64, error) {
	for lo < hi {
		mid := lo + (hi-lo)/2
		v, err := q.segs.View(mid*EntrySize, EntrySize)
		if err != nil {
			return 0, q.readErr(mid, err)
		}
		e := decodeEntry(v.Bytes())
		v.Release()
		if !e.Filler() && e.PhyOffset >= phyOffset {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// Flush syncs the written entries.
func (q *ConsumeQueue) Flush() error { return q.segs.Flush() }

// close flushes and unmaps (views still held stay valid).
func (q *ConsumeQueue) close() error { return q.segs.Close() }
