package mmapstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// flushReq is one sync-flush append waiting to become durable.
type flushReq struct {
	end      int64 // the append is durable once FlushedOffset >= end
	deadline int64 // unix ns; past it the append completes with ErrFlushTimeout
	done     Done
}

// groupCommit queues sync-flush completions for the flusher: appenders add
// to pending and signal wake; the flusher takes everything pending at once,
// syncs once, and completes all of it. The watchdog completes a batch whose
// sync has outlived SyncFlushTimeout with ErrFlushTimeout.
type groupCommit struct {
	mu       sync.Mutex
	pending  []flushReq // guarded by mu
	inflight []flushReq // batch being synced; guarded by mu; nil once completed
	spare    []flushReq // reused backing array; guarded by mu
	wake     chan struct{}
	closed   bool         // set by completeAll; guarded by mu
	closeErr error        // what completeAll completed with; guarded by mu
	flushed  int64        // flushed offset at completeAll; guarded by mu
	inDone   atomic.Int32 // completions running on the flusher or watchdog: appends skip the room wait
	syncs    atomic.Int64 // group-commit rounds, for Stats
	requests atomic.Int64 // completions taken by those rounds
}

func (g *groupCommit) init() { g.wake = make(chan struct{}, 1) }

func (g *groupCommit) enqueue(r flushReq) {
	g.mu.Lock()
	if g.closed { // the log closed between this append's publish and now
		err, flushed := g.closeErr, g.flushed
		g.mu.Unlock()
		completeOne(r, flushed, err)
		return
	}
	g.pending = append(g.pending, r)
	g.mu.Unlock()
	g.signal()
}

func (g *groupCommit) signal() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// take moves everything pending into the in-flight batch.
func (g *groupCommit) take() []flushReq {
	g.mu.Lock()
	defer g.mu.Unlock()
	batch := g.pending
	g.pending = g.spare[:0]
	g.spare = nil
	g.inflight = batch
	return batch
}

// finish ends the in-flight batch; it reports false when the watchdog has
// already completed it.
func (g *groupCommit) finish(batch []flushReq) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	mine := g.inflight != nil
	g.inflight = nil
	return mine
}

// recycle clears a completed batch and keeps its array for reuse.
func (g *groupCommit) recycle(batch []flushReq) {
	clear(batch)
	g.mu.Lock()
	if g.spare == nil {
		g.spare = batch[:0]
	}
	g.mu.Unlock()
}

// expire takes, for completion with ErrFlushTimeout, the in-flight batch if
// its oldest deadline has passed and every pending request past its deadline.
func (g *groupCommit) expire(now int64) []flushReq {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []flushReq
	if len(g.inflight) > 0 && g.inflight[0].deadline <= now {
		out = append(out, g.inflight...)
		g.inflight = nil
	}
	kept := g.pending[:0]
	for _, r := range g.pending {
		if r.deadline <= now {
			out = append(out, r)
		} else {
			kept = append(kept, r)
		}
	}
	clear(g.pending[len(kept):])
	g.pending = kept
	return out
}

// completeAll completes every pending and in-flight request: nil for those
// at or below flushed when err is nil, else err (or ErrClosed).
func (g *groupCommit) completeAll(flushed int64, err error) {
	g.mu.Lock()
	reqs := append(g.inflight, g.pending...)
	g.inflight, g.pending = nil, nil
	g.closed, g.closeErr, g.flushed = true, err, flushed
	g.mu.Unlock()
	for _, r := range reqs {
		completeOne(r, flushed, err)
	}
}

func completeOne(r flushReq, flushed int64, err error) {
	switch {
	case err != nil:
		r.done(err)
	case r.end <= flushed:
		r.done(nil)
	default:
		r.done(ErrClosed)
	}
}

// flushTo syncs the log up to target and advances ConfirmedOffset (sync
// flush) and the flushed store time. A sync error is sticky: once one
// failed, flushTo returns it without syncing again, because the kernel may
// have dropped the dirty pages and a second fdatasync would succeed
// without the records being on disk.
func (l *CommitLog) flushTo(target int64) error {
	if err := l.Err(); err != nil {
		return err
	}
	l.q.flushMu.Lock()
	err := l.commitPending()
	l.q.flushMu.Unlock()
	if err != nil {
		return err
	}
	if l.mu.wb.enabled { // immutable: safe to read without the lock
		target = max(target, l.q.WriteOffset())
	}
	l.mu.Lock()
	ts := l.mu.lastStoreTs
	if w := l.q.writeOff.Load(); target > w {
		target = w
	}
	l.mu.Unlock()
	l.q.flushMu.Lock()
	err = l.Err() // set by a concurrent flushTo while this one waited
	var flushed int64
	if err == nil {
		if flushed, err = l.q.flushLocked(target); err != nil {
			err = l.setErr(err) // before another flushTo can sync again
		}
	}
	l.q.flushMu.Unlock()
	if err != nil {
		return err
	}
	if flushed >= target {
		l.flushedTs.Store(ts)
	}
	if l.cfg.FlushDiskType == SyncFlush {
		l.setConfirmed(flushed)
	}
	return nil
}

// flushLoop is the flusher goroutine: group commit under sync flush, timed
// write-back under async flush.
func (l *CommitLog) flushLoop() {
	if l.cfg.FlushDiskType == SyncFlush {
		l.groupCommitLoop()
		return
	}
	l.asyncFlushLoop()
}

func (l *CommitLog) groupCommitLoop() {
	for {
		select {
		case <-l.quit:
			return
		case <-l.gc.wake:
		}
		batch := l.gc.take()
		l.gc.syncs.Add(1)
		l.gc.requests.Add(int64(len(batch)))
		err := l.Err()
		if err == nil {
			err = l.flushTo(l.q.WriteOffset())
		}
		if !l.gc.finish(batch) {
			continue // the watchdog completed it with ErrFlushTimeout
		}
		l.gc.inDone.Add(1)
		for _, r := range batch {
			r.done(err)
		}
		l.gc.inDone.Add(-1)
		l.gc.recycle(batch)
	}
}

func (l *CommitLog) asyncFlushLoop() {
	t := time.NewTicker(l.cfg.FlushIntervalCommitLog)
	defer t.Stop()
	leastBytes := int64(l.cfg.FlushCommitLogLeastPages) * pageSize
	lastThorough := time.Now()
	for {
		select {
		case <-l.quit:
			return
		case <-t.C:
		}
		w, f := l.q.WriteOffset(), l.q.FlushedOffset()
		thorough := time.Since(lastThorough) >= l.cfg.FlushCommitLogThoroughInterval
		if !shouldFlush(w, f, l.q.segSize, leastBytes, thorough) {
			continue
		}
		if thorough {
			lastThorough = time.Now()
		}
		if err := l.flushTo(w); err != nil {
			l.cfg.Logger.Error("mmapstore: async flush failed", "err", err)
		}
	}
}

// shouldFlush is the async flusher's rule (RocketMQ FlushRealTimeService):
// flush when at least leastBytes are dirty, when a segment filled up (a full
// segment is always flushable), or on the thorough interval.
func shouldFlush(written, flushed, segSize, leastBytes int64, thorough bool) bool {
	if written <= flushed {
		return false
	}
	return thorough || written-flushed >= leastBytes || written/segSize != flushed/segSize
}

// watchLoop completes sync-flush appends whose sync outlives
// SyncFlushTimeout with ErrFlushTimeout (RocketMQ FlushDiskWatcher). It
// checks deadlines every SyncFlushTimeout/10, so a timeout fires at most
// 10% late.
func (l *CommitLog) watchLoop() {
	t := time.NewTicker(max(l.cfg.SyncFlushTimeout/10, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-l.quit:
			return
		case <-t.C:
		}
		expired := l.gc.expire(l.cfg.now().UnixNano())
		l.gc.inDone.Add(1)
		for _, r := range expired {
			r.done(ErrFlushTimeout)
		}
		l.gc.inDone.Add(-1)
	}
}
