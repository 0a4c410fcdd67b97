package mmapstore

import (
	"net/netip"
)

// Done completes an append. Under sync flush it is called exactly once by
// the flusher goroutine, with no lock held, once the record is durable (nil),
// when the sync failed (the sticky error) or timed out (ErrFlushTimeout).
// Under async flush it is called with nil before Append returns. A nil Done
// appends without waiting (RocketMQ's WAIT=false): under sync flush the
// flusher is woken but nothing is completed. It is not
// called when Append itself returns an error. It must not block: hand the
// result to the network layer and return. It may append: an Append made
// from a completion does not wait for write-buffer room (see
// waitRoomLocked).
type Done func(err error)

// Waiter turns a completion into a blocking wait for callers that can park a
// goroutine (tests, tools). Reuse one per goroutine: it allocates only in
// NewWaiter.
type Waiter struct {
	ch   chan error
	done Done
}

// NewWaiter returns a Waiter for one append at a time.
func NewWaiter() *Waiter {
	w := &Waiter{ch: make(chan error, 1)}
	w.done = func(err error) { w.ch <- err }
	return w
}

// Done is the completion to pass to Append.
func (w *Waiter) Done() Done { return w.done }

// Wait blocks until the append passed Done completes.
func (w *Waiter) Wait() error { return <-w.ch }

// reservation is room for one record or batch at the write position, taken
// under the append lock (which reserve leaves held).
type reservation struct {
	seg         *segment
	phy         int64  // commit-log offset of the first record
	size        int    // bytes reserved
	dst         []byte // where to encode: the mapping, or the write buffer
	queueOffset int64  // first queue offset assigned
	storeTs     int64  // store timestamp, ms
	nowNanos    int64  // the same clock reading, ns (sync-flush deadline)
}

// queueTxType says whether a record takes a queue offset: transaction
// PREPARED and ROLLBACK records do not (RocketMQ CommitLog).
func takesQueueOffset(sysFlag int32) bool {
	t := sysFlag & 0xC
	return t == 0 || t == 0x8
}

// reserve takes the append lock and makes room for size bytes holding count
// messages of one topic-queue: if the record does not fit in the current
// segment with 8 bytes to spare, it writes a blank filler over the rest and
// moves to the next segment, which the preparer has usually created. On
// success the lock stays held until publish; on error it is released.
func (l *CommitLog) reserve(size, count int, topic []byte, queueID int32, sysFlag int32) (reservation, error) {
	l.mu.Lock()
	err := l.appendErrLocked()
	if err == nil {
		err = l.waitRoomLocked()
	}
	if err != nil {
		l.mu.Unlock()
		return reservation{}, err
	}
	segSize := l.q.segSize
	off := l.nextOffsetLocked()
	if rest := segSize - off%segSize; int64(size)+blankSize > rest {
		if err := l.writeBlankLocked(off, rest); err != nil {
			l.mu.Unlock()
			return reservation{}, l.setErr(err)
		}
		off += rest
	}
	seg, err := l.q.writable(off)
	if err != nil {
		l.mu.Unlock()
		return reservation{}, l.setErr(err)
	}
	now := l.cfg.now()
	r := reservation{seg: seg, phy: off, size: size, storeTs: now.UnixMilli(), nowNanos: now.UnixNano()}
	if takesQueueOffset(sysFlag) {
		r.queueOffset = l.nextQueueOffsetLocked(topic, queueID, count)
	}
	pos := off - seg.start
	if l.mu.wb.enabled {
		r.dst = l.bufferLocked(seg, off, size)
	} else {
		r.dst = seg.data[pos : pos+int64(size)]
	}
	return r, nil
}

const blankSize = 8

func (l *CommitLog) appendErrLocked() error {
	if l.closed.Load() {
		return ErrClosed
	}
	return l.Err()
}

// writeBlankLocked fills [off, off+rest) — the end of a segment — with a
// blank record header and publishes the new write offset.
func (l *CommitLog) writeBlankLocked(off, rest int64) error {
	seg, err := l.q.writable(off)
	if err != nil {
		return err
	}
	if l.mu.wb.enabled {
		putBlank(l.bufferLocked(seg, off, blankSize), int32(rest))
		l.mu.wb.next = off + rest
		l.reserved.Store(off + rest)
		return nil
	}
	var hdr [blankSize]byte
	putBlank(hdr[:], int32(rest))
	if err := seg.writeAt(hdr[:], off-seg.start, !l.cfg.WriteWithMmap); err != nil {
		return err
	}
	l.q.writeOff.Store(off + rest)
	return nil
}

// publish writes the encoded bytes (pwrite mode), makes them visible by
// advancing the write offset, and releases the append lock. It returns the
// end offset of the reservation. With the write buffer (pwrite mode) the
// bytes are written by commitPending: under sync flush by the flusher, under
// async flush before publish returns unless deferred (AppendDeferred) and the
// buffer is under maxDeferredBytes.
func (l *CommitLog) publish(r *reservation, deferred bool) (int64, error) {
	end := r.phy + int64(r.size)
	if l.mu.wb.enabled {
		l.mu.lastStoreTs = r.storeTs
		write := l.cfg.FlushDiskType == AsyncFlush && (!deferred || len(l.mu.wb.buf) >= maxDeferredBytes)
		l.mu.Unlock()
		if write {
			if err := l.commitPending(); err != nil {
				return 0, err
			}
		}
		return end, nil
	}
	l.q.writeOff.Store(end) // WriteWithMmap: the bytes are in the mapping
	l.mu.lastStoreTs = r.storeTs
	l.mu.Unlock()
	if l.cfg.FlushDiskType == AsyncFlush {
		l.setConfirmed(end)
	}
	return end, nil
}

// complete hands the append's completion to the flush policy.
func (l *CommitLog) complete(r *reservation, done Done) {
	end := r.phy + int64(r.size)
	if l.cfg.FlushDiskType == AsyncFlush {
		if done != nil {
			done(nil)
		}
		return
	}
	if done == nil { // nobody waits (RocketMQ WAIT=false): just wake the flusher
		l.gc.signal()
		return
	}
	l.gc.enqueue(flushReq{end: end, deadline: r.nowNanos + int64(l.cfg.SyncFlushTimeout), done: done})
}

// nextQueueOffsetLocked assigns count consecutive queue offsets.
func (l *CommitLog) nextQueueOffsetLocked(topic []byte, queueID int32, count int) int64 {
	qs := l.mu.queueOffsets[string(topic)]
	if int(queueID) >= len(qs) {
		grown := make([]int64, int(queueID)+1)
		copy(grown, qs)
		qs = grown
		l.mu.queueOffsets[string(topic)] = qs
	}
	off := qs[queueID]
	qs[queueID] = off + int64(count)
	return off
}

// QueueOffset returns the next queue offset the log will assign for
// topic/queueID.
func (l *CommitLog) QueueOffset(topic string, queueID int32) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if qs := l.mu.queueOffsets[topic]; int(queueID) < len(qs) && queueID >= 0 {
		return qs[queueID]
	}
	return 0
}

// SetQueueOffset sets the next queue offset for topic/queueID. Recovery
// fills the table from the records it scans; the owner of the consume
// queues seeds the rest after Open (RocketMQ rebuilds this table from the
// consume queues).
func (l *CommitLog) SetQueueOffset(topic string, queueID int32, next int64) {
	if queueID < 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setQueueOffsetLocked([]byte(topic), queueID, next)
}

func (l *CommitLog) setQueueOffsetLocked(topic []byte, queueID int32, next int64) {
	qs := l.mu.queueOffsets[string(topic)]
	if int(queueID) >= len(qs) {
		grown := make([]int64, int(queueID)+1)
		copy(grown, qs)
		qs = grown
		l.mu.queueOffsets[string(topic)] = qs
	}
	qs[queueID] = next
}

// appendStoreHost encodes a host the way records store it.
func appendStoreHost(dst []byte, ap netip.AddrPort) []byte {
	return appendHost(dst, ap)
}
