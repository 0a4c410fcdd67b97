package mmapstore

import (
	"context"
	"runtime/pprof"
	"sync"
)

// preparer creates the next segment of a queue in the background: zero-fill
// (synced in chunks), directory sync, map, pre-fault. The appender takes the
// prepared segment when it rolls and kicks the preparer for the one after.
//
// Goroutine owned: run, started by startPreparer and stopped by stop.
type preparer struct {
	q     *SegmentQueue
	want  chan int64 // capacity 1: start offset of the segment to prepare next
	quit  chan struct{}
	done  chan struct{}
	ready struct {
		sync.Mutex
		cond *sync.Cond // signalled when busy goes back to -1
		seg  *segment   // prepared, not listed; guarded by the mutex
		busy int64      // start being prepared right now, or -1; guarded by the mutex
		// claimed is the highest start the appender has taken or created
		// itself; the preparer never creates at or below it. Guarded by the mutex.
		claimed int64
	}
}

func startPreparer(q *SegmentQueue) *preparer {
	p := &preparer{q: q, want: make(chan int64, 1), quit: make(chan struct{}), done: make(chan struct{})}
	p.ready.cond = sync.NewCond(&p.ready.Mutex)
	p.ready.busy = -1
	p.ready.claimed = -1
	go pprof.Do(context.Background(), pprof.Labels("mmapstore", "prepare-segment"), func(context.Context) { p.run() })
	return p
}

// kick asks for the segment starting at start, replacing an older request.
func (p *preparer) kick(start int64) {
	for {
		select {
		case p.want <- start:
			return
		default:
		}
		select {
		case <-p.want:
		default:
		}
	}
}

func (p *preparer) run() {
	defer close(p.done)
	for {
		select {
		case <-p.quit:
			return
		case start := <-p.want:
			p.prepare(start)
		}
	}
}

func (p *preparer) prepare(start int64) {
	p.ready.Lock()
	if start <= p.ready.claimed || (p.ready.seg != nil && p.ready.seg.start == start) {
		p.ready.Unlock()
		return
	}
	p.ready.busy = start
	p.ready.Unlock()
	s, err := createSegment(p.q.ops, p.q.dir, start, p.q.segSize, true, p.q.zeroFill())
	p.ready.Lock()
	old := p.ready.seg
	p.ready.seg = s
	p.ready.busy = -1
	p.ready.cond.Broadcast()
	p.ready.Unlock()
	if old != nil {
		p.discard(old)
	}
	if err != nil {
		p.q.log.Warn("mmapstore: preparing next segment failed; the appender will create it inline", "start", start, "err", err)
	}
}

// take returns the prepared segment if it starts at start, waiting while the
// preparer is busy with exactly that segment (creating it inline at the same
// time would race on the file). A prepared segment for another start (after
// a truncation) is discarded.
func (p *preparer) take(start int64) *segment {
	p.ready.Lock()
	if start >= 0 && p.ready.busy == start {
		p.q.rollWaits.Add(1)
	}
	for start >= 0 && p.ready.busy == start {
		p.ready.cond.Wait()
	}
	s := p.ready.seg
	p.ready.seg = nil
	p.ready.claimed = max(p.ready.claimed, start)
	p.ready.Unlock()
	if s == nil || s.start == start {
		return s
	}
	p.discard(s)
	return nil
}

// discard deletes a prepared segment nobody will use.
func (p *preparer) discard(s *segment) {
	if err := p.q.ops.remove(s.path); err != nil {
		p.q.log.Warn("mmapstore: removing unused prepared segment", "file", s.path, "err", err)
	}
	s.release()
}

// stop ends run, waits for it, and deletes a prepared, unused segment.
func (p *preparer) stop() {
	close(p.quit)
	<-p.done
	if s := p.take(-1); s != nil {
		p.discard(s)
	}
}
