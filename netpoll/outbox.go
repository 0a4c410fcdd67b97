package netpoll

import (
	"sync"

	"github.com/valyala/bytebufferpool"
)

// outItem is one frame written from outside its connection's OnTraffic: a
// deferred reply, or a request the server sends to a client. buf holds the
// header and any inline body; body holds slices owned elsewhere, written
// after buf without a copy.
type outItem struct {
	conn    *Conn
	buf     *bytebufferpool.ByteBuffer
	body    [][]byte
	release func(error) // may be nil
}

// done returns buf to its pool and runs release with the write's outcome.
func (it *outItem) done(err error) {
	bytebufferpool.Put(it.buf)
	if it.release != nil {
		it.release(err)
	}
}

// outbox is a loop's queue of frames handed over from other goroutines: a
// mutex-guarded slice plus one queued drain task, so that any number of
// completions costs one wake-up of the loop per batch, and no goroutine per
// request. The loop takes the whole slice at once (drain).
//
// Exactly-once release: an item leaves items only under mu, either to the
// loop's drain (which writes it, or fails it if its connection has closed)
// or to Server.Close (which fails it after the loops have stopped); once
// closed is set, post fails new items itself.
type outbox struct {
	mu        sync.Mutex
	items     []outItem // guarded by mu
	scheduled bool      // guarded by mu: a drain task is queued on the loop
	closed    error     // guarded by mu: sticky once the loop has stopped
}

// post queues it on l and wakes the loop if no drain is queued yet. If the
// loop has stopped, it fails it (release runs with the error) and returns
// the error.
func (l *loop) post(it outItem) error {
	l.out.mu.Lock()
	if err := l.out.closed; err != nil {
		l.out.mu.Unlock()
		it.done(err)
		return err
	}
	l.out.items = append(l.out.items, it)
	wake := !l.out.scheduled
	l.out.scheduled = true
	l.out.mu.Unlock()
	if wake {
		if err := l.el.Execute(l.srv.baseCtx, l); err != nil {
			// The engine is stopping: Server.Close fails what is queued.
			l.out.mu.Lock()
			l.out.scheduled = false
			l.out.mu.Unlock()
			l.srv.log.Debug("netpoll: cannot wake event loop", "err", err)
		}
	}
	return nil
}

// drain writes everything queued, grouping consecutive frames for the same
// connection into one writev. It runs on the loop (as the loop's Runnable).
func (l *loop) drain() {
	l.out.mu.Lock()
	items := l.out.items
	l.out.items = l.spare[:0]
	l.out.scheduled = false
	l.out.mu.Unlock()
	for i := 0; i < len(items); {
		j := i + 1
		for j < len(items) && items[j].conn == items[i].conn {
			j++
		}
		l.writeItems(items[i:j])
		i = j
	}
	clear(items)
	l.spare = items[:0]
}

// writeItems writes frames that all belong to one connection, then returns
// their buffers and runs their releases. On the loop only.
func (l *loop) writeItems(items []outItem) {
	c := items[0].conn
	err := ErrConnClosed
	if !c.closed.Load() {
		iov := l.iov[:0]
		var inline, vectored int
		for i := range items {
			iov = append(iov, items[i].buf.B)
			inline += len(items[i].buf.B)
			for _, b := range items[i].body {
				if len(b) > 0 {
					iov = append(iov, b)
					vectored += len(b)
				}
			}
		}
		l.stats.inline.Add(int64(inline))
		l.stats.vectored.Add(int64(vectored))
		err = writeChunked(c.gc, iov, &l.stats)
		clear(iov)
		l.iov = iov[:0]
		c.touch()
		if err == nil && l.slowReader(c, c.gc) {
			_ = c.gc.Close()
		}
	}
	for i := range items {
		items[i].done(err)
	}
}

// closeOutbox fails everything still queued and every later post with err.
// Server.Close calls it once the loops have stopped.
func (l *loop) closeOutbox(err error) {
	l.out.mu.Lock()
	l.out.closed = err
	items := l.out.items
	l.out.items = nil
	l.out.mu.Unlock()
	for i := range items {
		items[i].done(err)
	}
}
