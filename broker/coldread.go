package broker

import (
	"context"
	"runtime/pprof"
	"strings"
	"sync"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// coldReaders is the number of goroutines serving cold pulls, and
// coldQueue the pulls that may wait for them; past it a pull is served
// inline (back-pressure falls on the loop rather than on memory).
const (
	coldReaders = 4
	coldQueue   = 1024
)

// coldReader serves pulls whose records are probably not in the page cache
// off the event loops, so that a page fault on an old segment stalls one
// reader goroutine instead of every connection of a loop (architecture.md,
// the read path). "Cold" is RocketMQ's estimate: the first record lies more
// than accessMessageInMemoryMaxRatio (40 %) of RAM behind the log's end.
//
// Goroutines owned: coldReaders workers (pprof label broker=cold-read),
// started by start, stopped and awaited by close after the server stopped
// handing them work.
type coldReader struct {
	b    *Broker
	jobs chan coldJob
	wg   sync.WaitGroup
}

type coldJob struct {
	to   netpoll.ReplyTo
	args pullArgs // strings owned
	fn   func()   // instead of a pull: other disk work (see offload)
}

func newColdReader(b *Broker) *coldReader {
	return &coldReader{b: b, jobs: make(chan coldJob, coldQueue)}
}

func (r *coldReader) start() {
	for i := 0; i < coldReaders; i++ {
		r.wg.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("broker", "cold-read"), func(context.Context) {
			defer r.wg.Done()
			for j := range r.jobs {
				if j.fn != nil {
					j.fn()
					continue
				}
				r.b.replyPullLater(j.to, &j.args)
			}
		})
	}
}

// close stops the workers once they have answered what was queued.
func (r *coldReader) close() {
	close(r.jobs)
	r.wg.Wait()
}

// offer hands a pull to the workers if its data is cold and there is room;
// it reports whether it did.
func (r *coldReader) offer(c *netpoll.Conn, req *protocol.Command, a *pullArgs) bool {
	if !r.b.isCold(a) {
		return false
	}
	j := coldJob{args: *a}
	j.args.group, j.args.topic = strings.Clone(a.group), strings.Clone(a.topic)
	j.to = c.Defer(req)
	select {
	case r.jobs <- j:
		return true
	default:
		return false
	}
}

// offload runs fn on a cold-read goroutine, or inline when the queue is
// full. fn must own everything it uses (nothing aliasing a request) and
// answer through a ReplyTo. Handlers whose work reads files (key-index
// pread, commit-log records by offset or time) use it so that an event loop
// never waits on a disk.
func (b *Broker) offload(fn func()) {
	select {
	case b.cold.jobs <- coldJob{fn: fn}:
	default:
		fn()
	}
}

// isCold reports whether the pull's first record is likely out of memory.
func (b *Broker) isCold(a *pullArgs) bool {
	q := b.store.Queue(a.topic, a.queueID)
	if q == nil || a.offset < q.MinOffset() || a.offset >= q.MaxOffset() {
		return false
	}
	e, err := q.Entry(a.offset)
	if err != nil {
		return false
	}
	return b.clog.MaxOffset()-e.PhyOffset > b.coldBytes
}
