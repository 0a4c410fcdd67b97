package broker

import (
	"context"
	"log/slog"
	"runtime/pprof"
	"sync"
	"time"
)

// persister writes one JSON config file (topics.json, consumerOffset.json,
// ...) off the event loops: changes call mark, and its goroutine takes a
// snapshot and writes it atomically, at once (immediate) or at the next
// tick (periodic). Close writes a final snapshot.
//
// Goroutine owned: run (pprof label broker=persist-<name>), started by start
// and stopped and awaited by close.
type persister struct {
	path     string
	snapshot func() []byte // called with no lock of ours held
	interval time.Duration // 0: write right after each mark
	log      *slog.Logger

	signal chan struct{} // capacity 1
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex // guards dirty
	dirty  bool
}

func newPersister(path string, interval time.Duration, log *slog.Logger, snapshot func() []byte) *persister {
	return &persister{path: path, snapshot: snapshot, interval: interval, log: log,
		signal: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// mark records a change; an immediate persister is woken.
func (p *persister) mark() {
	p.mu.Lock()
	p.dirty = true
	p.mu.Unlock()
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

func (p *persister) start(name string) {
	go pprof.Do(context.Background(), pprof.Labels("broker", "persist-"+name), func(context.Context) { p.run() })
}

func (p *persister) run() {
	defer close(p.done)
	var tick <-chan time.Time
	if p.interval > 0 {
		t := time.NewTicker(p.interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-p.stop:
			return
		case <-tick:
			p.flush()
		case <-p.signal:
			if p.interval == 0 {
				p.flush()
			}
		}
	}
}

// flush writes a snapshot when something changed since the last write.
func (p *persister) flush() error {
	p.mu.Lock()
	dirty := p.dirty
	p.dirty = false
	p.mu.Unlock()
	if !dirty {
		return nil
	}
	if err := writeFileAtomic(p.path, p.snapshot()); err != nil {
		p.log.Error("persist config file", "path", p.path, "err", err)
		p.mark()
		return err
	}
	return nil
}

// close stops the goroutine (if started) and writes what is left.
func (p *persister) close(started bool) error {
	p.once.Do(func() { close(p.stop) })
	if started {
		<-p.done
	}
	return p.flush()
}
