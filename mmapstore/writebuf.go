package mmapstore

// With pwrite appends, records are not written one pwrite each: the appender
// encodes into a write buffer under the append lock, and commitPending swaps
// the buffer out and writes it with one pwrite per segment it spans. A record
// becomes visible to readers (WriteOffset / MaxOffset) when that pwrite is
// done. Who commits:
//
//   - sync flush: the flusher, before each group-commit fdatasync. Visible
//     before durable; ConfirmedOffset, what dispatch reads, is the flushed
//     offset anyway. This takes the per-record syscall, the largest CPU cost
//     of a sync-flush append, off the append path and out of the append lock.
//   - async flush: Append itself, before it returns (writing any deferred
//     records before it too); AppendDeferred leaves its record in the buffer
//     for the next WritePending (an event loop calls it once per batch of
//     requests, before writing the batch's replies), Append or flush, or
//     commits at once when maxDeferredBytes are buffered. ConfirmedOffset is
//     the written offset.
//
// Commits are serialized by commitMu, so when commitPending returns every
// record reserved before it was called is written (or the sticky error set).

// maxPendingBytes bounds the write buffer; an appender that finds it full
// waits for the flusher (backpressure when the disk stalls).
const maxPendingBytes = 64 << 20

// maxDeferredBytes is how much AppendDeferred leaves buffered before it
// writes at once (async flush).
const maxDeferredBytes = 256 << 10

// pendingChunk is a run of buffered bytes inside one segment.
type pendingChunk struct {
	seg      *segment
	fileOff  int64 // commit-log offset of the chunk's first byte
	bufStart int   // index of that byte in the buffer
}

// writeBuf is the state of buffered appends; every field is guarded by
// CommitLog.mu.
type writeBuf struct {
	enabled bool  // pwrite appends (not WriteWithMmap); immutable after Open
	limit   int   // maxPendingBytes (tests lower it)
	waiters int   // appenders waiting for room
	next    int64 // offset of the next reservation (WriteOffset plus buffered bytes)
	buf     []byte
	chunks  []pendingChunk
	spare   []byte
	spareCh []pendingChunk
}

// nextOffsetLocked is where the next record goes.
func (l *CommitLog) nextOffsetLocked() int64 {
	if l.mu.wb.enabled {
		return l.mu.wb.next
	}
	return l.q.writeOff.Load()
}

// waitRoomLocked waits while the write buffer is full (the disk is behind)
// and reports the sticky error or ErrClosed if either ends the wait: the
// flusher swaps the buffer out only while the log is healthy, so setErr and
// Close wake the waiters too. It returns before anything is reserved.
//
// While the flusher or the watchdog runs completions it does not wait: a
// Done that appends (the broker's transaction op record) would otherwise
// wait for the flusher, which is itself, or block the watchdog behind a
// stalled sync. The limit is then exceeded by what is appended meanwhile.
func (l *CommitLog) waitRoomLocked() error {
	wb := &l.mu.wb
	for wb.enabled && len(wb.buf) >= wb.limit && l.gc.inDone.Load() == 0 {
		wb.waiters++
		l.mu.room.Wait() // the flusher signals after swapping the buffer out
		wb.waiters--
		if err := l.appendErrLocked(); err != nil {
			return err
		}
	}
	return nil
}

// bufferLocked reserves n bytes at commit-log offset off in seg and returns
// them for encoding.
func (l *CommitLog) bufferLocked(seg *segment, off int64, n int) []byte {
	wb := &l.mu.wb
	if k := len(wb.chunks); k == 0 || wb.chunks[k-1].seg != seg {
		wb.chunks = append(wb.chunks, pendingChunk{seg: seg, fileOff: off, bufStart: len(wb.buf)})
	}
	start := len(wb.buf)
	if cap(wb.buf)-start < n {
		grown := make([]byte, start, 2*cap(wb.buf)+n)
		copy(grown, wb.buf)
		wb.buf = grown
	}
	wb.buf = wb.buf[:start+n]
	wb.next = off + int64(n)
	l.reserved.Store(wb.next)
	return wb.buf[start : start+n]
}

// commitPending writes the buffered bytes to their segments and advances
// the visible write offset (and, under async flush, ConfirmedOffset). It
// waits for a commit in progress on another goroutine, so on return every
// record reserved before the call is written, or the sticky error is
// returned. No lock but commitMu is held across the pwrite.
func (l *CommitLog) commitPending() error {
	l.commitMu.Lock()
	defer l.commitMu.Unlock()
	l.mu.Lock()
	wb := &l.mu.wb
	if !wb.enabled || len(wb.buf) == 0 {
		l.mu.Unlock()
		return l.Err()
	}
	buf, chunks, end := wb.buf, wb.chunks, wb.next
	wb.buf, wb.chunks = wb.spare[:0], wb.spareCh[:0]
	wb.spare, wb.spareCh = nil, nil
	l.mu.room.Broadcast()
	l.mu.Unlock()
	err := l.Err() // a failed write or sync: write nothing more
	for i, c := range chunks {
		if err != nil {
			break
		}
		to := len(buf)
		if i+1 < len(chunks) {
			to = chunks[i+1].bufStart
		}
		err = c.seg.writeAt(buf[c.bufStart:to], c.fileOff-c.seg.start, true)
	}
	if err == nil {
		l.q.writeOff.Store(end)
	}
	clear(chunks)
	l.mu.Lock()
	l.mu.wb.spare, l.mu.wb.spareCh = buf[:0], chunks[:0]
	l.mu.Unlock()
	if err != nil {
		return l.setErr(err)
	}
	if l.cfg.FlushDiskType == AsyncFlush {
		l.setConfirmed(end)
	}
	return nil
}
