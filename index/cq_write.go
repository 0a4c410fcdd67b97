package index

import (
	"log/slog"

	"github.com/fastmq/fastmq/mmapstore"
)

// openConsumeQueue opens (or creates) the queue directory. The queue is
// not usable until recover has run.
func openConsumeQueue(dir, topic string, queueID int32, segmentBytes int64,
	log *mmapstore.CommitLog, logger *slog.Logger) (*ConsumeQueue, error) {
	segs, err := mmapstore.OpenSegmentQueue(dir, segmentBytes, mmapstore.QueueConfig{Logger: logger})
	if err != nil {
		return nil, err
	}
	return &ConsumeQueue{topic: topic, queueID: queueID, segs: segs, log: log, logger: logger}, nil
}

// recover finds the queue's valid end (RocketMQ ConsumeQueue.recover: scan
// from the third-from-last segment to the first invalid entry, here also
// stopping at the first entry whose record ends past logEnd), then cuts,
// by binary search, entries of older segments that end past logEnd
// (truncateDirtyLogicFiles), and sets the min and max offsets. Dispatcher
// (or Open) only.
func (q *ConsumeQueue) recover(logMin, logEnd int64) error {
	starts := q.segs.Segments()
	if len(starts) == 0 {
		off := q.segs.WriteOffset() / EntrySize
		q.minOffset.Store(off)
		q.maxOffset.Store(off)
		q.maxPhyEnd = 0
		return nil
	}
	end, err := q.scanValidEnd(starts[max(0, len(starts)-3):], logEnd)
	if err != nil {
		return err
	}
	return q.cutAt(starts[0]/EntrySize, end/EntrySize, logMin, logEnd)
}

// scanValidEnd returns the byte offset just past the last valid entry that
// ends at or before logEnd, scanning the given segments in order.
func (q *ConsumeQueue) scanValidEnd(starts []int64, logEnd int64) (int64, error) {
	size := q.segs.SegmentSize()
	end := starts[0]
	for _, st := range starts {
		written := min(size, q.segs.WriteOffset()-st)
		if written <= 0 {
			break
		}
		v, err := q.segs.View(st, int(written))
		if err != nil {
			return 0, q.readErr(st/EntrySize, err)
		}
		n := validPrefix(v.Bytes(), logEnd)
		v.Release()
		end = st + int64(n)*EntrySize
		if int64(n)*EntrySize < size {
			break
		}
	}
	return end, nil
}

// cutAt keeps the entries in [lo, hi) whose records end at or before
// logEnd, truncates the rest and sets min, max and maxPhyEnd.
func (q *ConsumeQueue) cutAt(lo, hi, logMin, logEnd int64) error {
	cut, err := q.firstEndingPast(lo, hi, logEnd)
	if err != nil {
		return err
	}
	if cut*EntrySize < q.segs.WriteOffset() {
		if err := q.segs.Truncate(cut * EntrySize); err != nil {
			return err
		}
	}
	q.maxPhyEnd = 0
	if cut > lo {
		v, err := q.segs.View((cut-1)*EntrySize, EntrySize)
		if err != nil {
			return q.readErr(cut-1, err)
		}
		if e := decodeEntry(v.Bytes()); !e.Filler() {
			q.maxPhyEnd = e.End()
		}
		v.Release()
	}
	q.maxOffset.Store(cut)
	min, err := q.firstAtOrAfter(lo, cut, logMin)
	if err != nil {
		return err
	}
	q.minOffset.Store(min)
	return nil
}

// firstEndingPast returns the first cqIndex in [lo, hi) whose record ends
// past logEnd (hi if none). Record ends grow with cqIndex; fillers count as
// ending at 0.
func (q *ConsumeQueue) firstEndingPast(lo, hi, logEnd int64) (int64, error) {
	for lo < hi {
		mid := lo + (hi-lo)/2
		v, err := q.segs.View(mid*EntrySize, EntrySize)
		if err != nil {
			return 0, q.readErr(mid, err)
		}
		e := decodeEntry(v.Bytes())
		v.Release()
		if !e.Filler() && e.End() > logEnd {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// truncate drops every entry whose record ends past logEnd (runtime
// truncation after the commit log was cut, RocketMQ truncateDirtyFiles).
// Dispatcher only.
func (q *ConsumeQueue) truncate(logMin, logEnd int64) error {
	return q.cutAt(q.MinOffset(), q.MaxOffset(), logMin, logEnd)
}

// put appends e as the entry for consume-queue offset cqIndex and reports
// whether the queue grew. A record at or below the newest entry's end was
// dispatched before and is ignored (idempotent re-dispatch). A first entry
// whose cqIndex is not 0 on an empty queue is preceded by filler entries
// back to its segment's start (RocketMQ fillPreBlank). Dispatcher only;
// it allocates nothing on the steady path.
func (q *ConsumeQueue) put(e Entry, cqIndex int64) (bool, error) {
	if e.End() <= q.maxPhyEnd {
		return false, nil
	}
	want := cqIndex * EntrySize
	cur := q.segs.WriteOffset()
	if want != cur && q.segs.MinOffset() == cur && cqIndex >= 0 {
		if err := q.fillTo(want); err != nil {
			return false, err
		}
		cur = want
	}
	if want < cur {
		return false, nil // built before (RocketMQ "build consume queue repeatedly")
	}
	if want > cur {
		q.logger.Warn("index: [BUG] consume queue offset gap; writing at the current end",
			"topic", q.topic, "queueId", q.queueID, "expected", cqIndex, "current", cur/EntrySize)
	}
	putEntry(q.buf[:], e)
	off, err := q.segs.Append(q.buf[:])
	if err != nil {
		return false, err
	}
	q.maxPhyEnd = e.End()
	q.maxOffset.Store(off/EntrySize + 1)
	return true, nil
}

// fillTo positions an empty queue at byte offset want, writing filler
// entries from the start of want's segment.
func (q *ConsumeQueue) fillTo(want int64) error {
	base := want - want%q.segs.SegmentSize()
	if err := q.segs.Truncate(base); err != nil {
		return err
	}
	putEntry(q.buf[:], fillerEntry)
	for q.segs.WriteOffset() < want {
		if _, err := q.segs.Append(q.buf[:]); err != nil {
			return err
		}
	}
	q.minOffset.Store(want / EntrySize)
	q.maxOffset.Store(want / EntrySize)
	return nil
}

// deleteBefore drops whole segments whose entries all point below logMin
// (never the last segment) and moves MinOffset to the first entry at or
// past logMin (RocketMQ deleteExpiredFile + correctMinOffset). It returns
// the number of segments deleted. Dispatcher only.
func (q *ConsumeQueue) deleteBefore(logMin int64) (int, error) {
	lo, hi := q.MinOffset(), q.MaxOffset()
	k, err := q.firstAtOrAfter(lo, hi, logMin)
	if err != nil {
		return 0, err
	}
	// No sync first: the deleted entries point below the log's minimum,
	// and mmapstore's Flush skips segments deleted before they were synced.
	n, err := q.segs.DeleteBefore(k * EntrySize)
	if k > lo {
		q.minOffset.Store(k)
	}
	return n, err
}
