package netpoll

import (
	"context"
	"log/slog"
	"runtime/pprof"
	"sync"
)

// closeNotifier runs the server's OnClose hooks on its own goroutine, so
// that a hook (the NameServer dropping a broker's routes, say) never runs on
// an event loop. Loops hand closed connections over in batches: a
// mutex-guarded slice plus a signal channel of capacity 1.
type closeNotifier struct {
	hooks []func(*Conn) // immutable after Start
	log   *slog.Logger

	mu       sync.Mutex
	pending  []*Conn // guarded by mu
	stopping bool    // guarded by mu

	signal chan struct{} // capacity 1
	done   chan struct{} // closed when run returns
}

func (n *closeNotifier) init(log *slog.Logger) {
	n.log = log
	n.signal = make(chan struct{}, 1)
	n.done = make(chan struct{})
}

// start starts the notifier goroutine.
func (n *closeNotifier) start() {
	go pprof.Do(context.Background(), pprof.Labels("netpoll", "close-notifier"), func(context.Context) {
		n.run()
	})
}

// post queues c for the hooks. Any goroutine.
func (n *closeNotifier) post(c *Conn) {
	if len(n.hooks) == 0 {
		return
	}
	n.mu.Lock()
	n.pending = append(n.pending, c)
	n.mu.Unlock()
	n.wake()
}

func (n *closeNotifier) wake() {
	select {
	case n.signal <- struct{}{}:
	default:
	}
}

// run calls the hooks for every queued connection until stop, and for the
// ones queued before stop.
func (n *closeNotifier) run() {
	defer close(n.done)
	var batch []*Conn
	for range n.signal {
		n.mu.Lock()
		batch, n.pending = n.pending, batch[:0]
		stopping := n.stopping
		n.mu.Unlock()
		for i, c := range batch {
			for _, f := range n.hooks {
				f(c)
			}
			batch[i] = nil
		}
		if stopping {
			return
		}
	}
}

// stop lets run finish what is queued, then waits for it.
func (n *closeNotifier) stop() {
	n.mu.Lock()
	n.stopping = true
	n.mu.Unlock()
	n.wake()
	<-n.done
}
