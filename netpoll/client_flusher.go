package netpoll

import (
	"context"
	"runtime/pprof"
)

// The flusher is the one goroutine per connection that writes pipelined
// requests. A request appended while others on the same connection still
// wait for their responses is not written by its caller: it wakes the
// flusher with a non-blocking signal and returns, and by the time the
// flusher runs the caller has usually appended more, so one write carries
// many frames (one write per frame cost a third of the client's CPU). A
// request with no other in flight (a lone Invoke, a paced send) still
// writes inline, with no goroutine hand-off in its latency.

// flusherBatchBytes bounds what is left to the flusher: a pipelined caller
// that finds this much pending and nobody writing writes it itself. On a
// busy machine the woken flusher may wait for a CPU while producers keep
// appending; without the bound the pending buffer would grow past
// maxKeptWriteBytes and be reallocated at every write.
const flusherBatchBytes = 64 << 10

// startFlusher starts cc's flusher; shut stops it and Client.Close waits
// for it.
func (cc *clientConn) startFlusher() {
	cc.kick = make(chan struct{}, 1)
	cc.stop = make(chan struct{})
	cc.cl.readers.Add(1)
	go pprof.Do(context.Background(), pprof.Labels("netpoll", "client-flusher", "addr", cc.addr),
		func(context.Context) { cc.flushLoop() })
}

// wakeFlusher asks the flusher to write what is pending; it never blocks.
func (cc *clientConn) wakeFlusher() {
	select {
	case cc.kick <- struct{}{}:
	default: // already signalled: that wake-up will find this frame too
	}
}

// flushLoop writes pending frames each time it is woken, unless a caller
// is writing already (that caller writes them), until the connection shuts.
func (cc *clientConn) flushLoop() {
	defer cc.cl.readers.Done()
	for {
		select {
		case <-cc.stop:
			return
		case <-cc.kick:
		}
		cc.w.Lock()
		if cc.w.writing || cc.w.err != nil || len(cc.w.buf) == 0 {
			cc.w.Unlock()
			continue
		}
		cc.w.writing = true
		_ = cc.flushLocked() // a failure shuts cc; its calls fail there
	}
}

// pipelined reports whether requests other than the caller's own (already
// registered) await responses on cc.
func (cc *clientConn) pipelined() bool {
	cc.calls.mu.Lock()
	n := len(cc.calls.calls)
	cc.calls.mu.Unlock()
	return n > 1
}
