package broker

import (
	"context"
	"runtime/pprof"
)

// loop is the plumbing of one goroutine the Broker owns and wakes by
// signal: the long-poll hold service and the delay-level schedule service
// embed it. The goroutine's own run method closes done when it returns.
type loop struct {
	signal chan struct{} // capacity 1: a wake-up is pending
	stop   chan struct{} // closed by close
	done   chan struct{} // closed by the goroutine on exit
}

func newLoop() loop {
	return loop{signal: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// wake asks the goroutine to run once more; it never blocks, and wake-ups
// that arrive while one is pending merge into it.
func (l *loop) wake() {
	select {
	case l.signal <- struct{}{}:
	default:
	}
}

// start runs run on a new goroutine labelled broker=label for pprof.
func (l *loop) start(label string, run func()) {
	go pprof.Do(context.Background(), pprof.Labels("broker", label), func(context.Context) { run() })
}

// close stops the goroutine and waits for it to return.
func (l *loop) close() {
	close(l.stop)
	<-l.done
}
