package netpoll

import (
	"context"
	"sync/atomic"
)

// Draining: the first step of a clean shutdown. StopAccepting makes the
// server refuse new connections while the open ones go on being served;
// Drain also waits until the replies already handed to the loops are
// written. The caller (the broker) knows which requests are still in flight
// and waits for their answers between the two; Close comes last.
//
// gnet v2.9.7 has no way to close only its listener: shutting the listening
// socket down (through a dup from Engine.Dup) makes gnet's accept fail, and
// gnet stops the whole engine on that error. So a connection that arrives
// while draining is accepted by the kernel and closed at once in OnOpen,
// before any request on it is read, with a log line.

// StopAccepting makes the server close every connection that opens from now
// on, unserved; open connections keep being served. Safe from any
// goroutine, and more than once; Close still has to be called.
func (s *Server) StopAccepting() {
	if s.draining.CompareAndSwap(false, true) {
		s.log.Info("netpoll: draining: new connections are refused", "addr", s.Addr())
	}
}

// refuse reports whether a new connection must be closed because the
// server is draining, logging it. On the connection's loop (OnOpen).
func (s *Server) refuse(remote string) bool {
	if !s.draining.Load() {
		return false
	}
	s.refused.Add(1)
	s.log.Info("netpoll: refusing a connection: server is draining", "remote", remote)
	return true
}

// Drain stops accepting (StopAccepting), then waits until every reply
// posted to the loops before the call (deferred replies, server-sent
// requests) has been handed to the sockets: it queues a barrier behind them
// on each loop and waits for the barriers to run. It returns ctx's error if
// ctx ends first, ErrServerClosed if the server is not running. Never call
// it from a loop (a handler, a release callback).
func (s *Server) Drain(ctx context.Context) error {
	s.StopAccepting()
	s.mu.Lock()
	if s.mu.state != stateStarted {
		s.mu.Unlock()
		return ErrServerClosed
	}
	loops := make([]*loop, 0, len(s.mu.loops))
	for _, l := range s.mu.loops {
		loops = append(loops, l)
	}
	s.mu.Unlock()
	for _, l := range loops {
		b := barrier{done: make(chan struct{})}
		if err := l.el.Execute(s.baseCtx, &b); err != nil {
			return ErrServerClosed // the engine is stopping
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// barrier is a loop task that only signals it ran: every task queued on the
// loop before it has run by then.
type barrier struct{ done chan struct{} }

func (b *barrier) Run(context.Context) error {
	close(b.done)
	return nil
}

// drainState is the Server's draining flag and count; see StopAccepting.
type drainState struct {
	draining atomic.Bool  // set once by StopAccepting
	refused  atomic.Int64 // connections closed unserved while draining
}
