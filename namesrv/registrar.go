package namesrv

import (
	"context"
	"runtime/pprof"
	"sync"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// Large or compressed REGISTER_BROKER bodies are decoded off the event
// loops. A body is JSON with every topic's config, optionally zlib (which
// inflates up to protocol.MaxRegisterBodyInflatedBytes, 256 MiB): decoding
// a hostile or merely huge one on a loop would stall every connection that
// loop serves. The handler copies such a request (Command.Clone) and hands
// it to the registrar, one goroutine that decodes, registers and answers
// through the request's netpoll.ReplyTo. Small plain bodies, the common
// heartbeat of a broker with a few topics, are still served inline.
//
// The registrar's queue is bounded by count and by bytes; a request that
// does not fit is answered SYSTEM_BUSY at once (the broker registers again
// within 30 s). Only one body is inflated at a time, so the inflate bound
// holds for the whole process.
//
// An UNREGISTER_BROKER that arrives while registrations are pending goes
// through the same queue, so it is applied after them: a broker that
// registers (offloaded) and then shuts down must not be registered again
// by the late decode and stay routed until its entry expires.
//
// Rejected design: a goroutine per registration. Unbounded, and brokers
// registering every 30 s need no parallelism.

const (
	// inlineRegisterBodyBytes is the largest plain body decoded inline.
	inlineRegisterBodyBytes = 64 << 10
	// maxQueuedRegisterBytes bounds the bodies waiting for the registrar.
	maxQueuedRegisterBytes = 64 << 20
	// maxQueuedRegisters bounds how many wait.
	maxQueuedRegisters = 64
)

// regJob is one registration (or an unregistration queued behind
// registrations) waiting for the registrar. req is an owned copy of the
// request.
type regJob struct {
	conn       *netpoll.Conn
	to         netpoll.ReplyTo
	req        *protocol.Command
	unregister bool
}

// registrar decodes large registrations off the loops. Its goroutine
// (pprof label namesrv=registrar) starts in Server.Start and is stopped and
// awaited in Server.Close.
type registrar struct {
	s    *Server
	wake chan struct{} // capacity 1: jobs were queued
	// beforeDecode, if set, runs on the registrar before each job (test
	// seam: holds a decode to show the loops are free meanwhile).
	beforeDecode func()
	stop         chan struct{} // closed by close
	done         sync.WaitGroup

	mu struct {
		sync.Mutex
		jobs    []regJob // guarded by mu
		bytes   int      // guarded by mu: body bytes in jobs
		pending int      // guarded by mu: jobs queued or being served
		closed  bool     // guarded by mu
	}
}

func newRegistrar(s *Server) *registrar {
	return &registrar{s: s, wake: make(chan struct{}, 1), stop: make(chan struct{})}
}

// start starts the goroutine.
func (r *registrar) start() {
	r.done.Add(1)
	go pprof.Do(context.Background(), pprof.Labels("namesrv", "registrar"), func(context.Context) {
		defer r.done.Done()
		r.run()
	})
}

// offer queues a copy of req; false means the queue is full or closed and
// the caller must answer at once.
func (r *registrar) offer(c *netpoll.Conn, req *protocol.Command) bool {
	r.mu.Lock()
	n := len(req.Body)
	full := r.mu.closed || len(r.mu.jobs) >= maxQueuedRegisters ||
		(len(r.mu.jobs) > 0 && r.mu.bytes+n > maxQueuedRegisterBytes)
	if !full {
		r.queueLocked(regJob{conn: c, to: c.Defer(req), req: req.Clone()})
	}
	r.mu.Unlock()
	return !full
}

// offerUnregister queues an UNREGISTER_BROKER request behind the
// registrations still pending and reports true; false means none are
// pending (or the registrar is closed) and the caller serves it at once.
// It is never refused for room: it has no body and at most one per
// connection is useful.
func (r *registrar) offerUnregister(c *netpoll.Conn, req *protocol.Command) bool {
	r.mu.Lock()
	queued := !r.mu.closed && r.mu.pending > 0
	if queued {
		r.queueLocked(regJob{conn: c, to: c.Defer(req), req: req.Clone(), unregister: true})
	}
	r.mu.Unlock()
	return queued
}

// queueLocked appends j and wakes the goroutine. r.mu must be held.
func (r *registrar) queueLocked(j regJob) {
	r.mu.jobs = append(r.mu.jobs, j)
	r.mu.bytes += len(j.req.Body)
	r.mu.pending++
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// served counts one job as done.
func (r *registrar) served() {
	r.mu.Lock()
	r.mu.pending--
	r.mu.Unlock()
}

// take removes and returns every queued job.
func (r *registrar) take() []regJob {
	r.mu.Lock()
	defer r.mu.Unlock()
	jobs := r.mu.jobs
	r.mu.jobs, r.mu.bytes = nil, 0
	return jobs
}

// run serves queued jobs until stop closes.
func (r *registrar) run() {
	for {
		select {
		case <-r.stop:
			return
		case <-r.wake:
		}
		for _, j := range r.take() {
			if j.unregister {
				r.s.unregisterLater(j)
				r.served()
				continue
			}
			if r.beforeDecode != nil {
				r.beforeDecode()
			}
			r.s.registerLater(j)
			r.served()
		}
	}
}

// close stops the goroutine, waits for it, and answers what is still
// queued with SYSTEM_BUSY. Later offers are refused. Safe to call twice.
func (r *registrar) close() {
	r.mu.Lock()
	was := r.mu.closed
	r.mu.closed = true
	r.mu.Unlock()
	if was {
		return
	}
	close(r.stop)
	r.done.Wait()
	for _, j := range r.take() {
		r.s.answerLater(j, r.s.busyReply("namesrv is shutting down"))
	}
}

// decodeOffLoop says whether req's body is big or compressed enough to be
// decoded by the registrar.
func decodeOffLoop(req *protocol.Command) bool {
	if len(req.Body) > inlineRegisterBodyBytes {
		return true
	}
	v, _ := req.ExtField("compressed")
	return v == "true"
}
