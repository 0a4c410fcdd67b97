package broker

import (
	"container/heap"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/netpoll"
)

// holdService parks pulls that found nothing (long polling, J4
// PullRequestHoldService) and answers each when its queue grows past the
// pull's offset or when its suspend time is up.
//
// Design: the dispatcher's Arrived hook and the pull handlers only append
// to a mutex-guarded inbox and signal; one goroutine (run) owns the parked
// pulls, indexed by queue for wake-ups and by deadline in a heap, and sleeps
// on one timer set to the earliest deadline. No timer loop walks all holders.
// A parked pull is re-checked against the queue's max offset when it is
// parked, so an arrival between the handler's look and the parking is not
// missed.
//
// Goroutine owned: run (pprof label broker=long-poll), started by start,
// stopped and awaited by close.
type holdService struct {
	b    *Broker
	loop // signal, stop, done: see loop.go

	mu      sync.Mutex // guards adds and arrived (the inbox)
	adds    []*heldPull
	arrived []arrival

	held atomic.Int64 // pulls parked now

	// replyFn, when set (tests), replaces the answer to a held pull.
	replyFn func(*heldPull)
	// maxOffsetFn, when set (tests), replaces the store lookup of a queue's
	// max offset (-1: no queue).
	maxOffsetFn func(queueKey) int64

	// Owned by run.
	byQueue   map[queueKey][]*heldPull
	deadlines holdHeap
}

type queueKey struct {
	topic   string
	queueID int32
}

type arrival struct {
	key queueKey
	max int64
}

type heldPull struct {
	to       netpoll.ReplyTo
	args     pullArgs
	deadline time.Time
	done     bool // answered; owned by run
	parked   bool // held (counted in held); owned by run
}

func newHoldService(b *Broker) *holdService {
	return &holdService{b: b, loop: newLoop(),
		byQueue: make(map[queueKey][]*heldPull)}
}

// add parks a pull for at most timeoutMs.
func (s *holdService) add(to netpoll.ReplyTo, args pullArgs, timeoutMs int64) {
	p := &heldPull{to: to, args: args, deadline: time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)}
	s.mu.Lock()
	s.adds = append(s.adds, p)
	s.mu.Unlock()
	s.wake()
}

// arrived is the index's Arrived hook (dispatcher goroutine, no lock held):
// it records the new max offset and returns.
func (b *Broker) arrived(q *index.ConsumeQueue, maxOffset int64) {
	s := b.holds
	s.mu.Lock()
	s.arrived = append(s.arrived, arrival{key: queueKey{q.Topic(), q.QueueID()}, max: maxOffset})
	s.mu.Unlock()
	s.wake()
	if q.Topic() == TopicSchedule {
		b.sched.wake()
	}
}

func (s *holdService) startLoop() { s.start("long-poll", s.run) }

func (s *holdService) run() {
	defer close(s.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var adds []*heldPull
	var arrived []arrival
	for {
		select {
		case <-s.stop:
			return
		case <-s.signal:
		case <-timer.C:
		}
		s.mu.Lock()
		adds, s.adds = s.adds, adds[:0]
		arrived, s.arrived = s.arrived, arrived[:0]
		s.mu.Unlock()
		for _, p := range adds {
			s.park(p)
		}
		clear(adds)
		for _, a := range arrived {
			s.notify(a)
		}
		s.expire(time.Now())
		timer.Reset(s.nextWait())
	}
}

// park answers p at once if its queue already grew, else holds it.
func (s *holdService) park(p *heldPull) {
	k := queueKey{p.args.topic, p.args.queueID}
	if s.maxOffset(k) > p.args.offset {
		s.answer(p)
		return
	}
	s.byQueue[k] = append(s.byQueue[k], p)
	heap.Push(&s.deadlines, p)
	p.parked = true
	s.held.Add(1)
}

// maxOffset is the queue's current max offset, or -1 without a queue.
func (s *holdService) maxOffset(k queueKey) int64 {
	if s.maxOffsetFn != nil {
		return s.maxOffsetFn(k)
	}
	if q := s.b.store.Queue(k.topic, k.queueID); q != nil {
		return q.MaxOffset()
	}
	return -1
}

// notify answers the pulls on a grown queue whose offset is now below max.
func (s *holdService) notify(a arrival) {
	list, ok := s.byQueue[a.key]
	if !ok {
		return
	}
	kept := list[:0]
	for _, p := range list {
		switch {
		case p.done:
		case a.max > p.args.offset:
			s.answer(p)
		default:
			kept = append(kept, p)
		}
	}
	clear(list[len(kept):])
	if len(kept) == 0 {
		delete(s.byQueue, a.key)
	} else {
		s.byQueue[a.key] = kept
	}
}

// expire answers every pull whose deadline passed.
func (s *holdService) expire(now time.Time) {
	for len(s.deadlines) > 0 && !s.deadlines[0].deadline.After(now) {
		p := heap.Pop(&s.deadlines).(*heldPull)
		if p.done {
			continue
		}
		s.answer(p)
		s.notify(arrival{key: queueKey{p.args.topic, p.args.queueID}, max: -1}) // compacts the list
	}
	// Drop answered pulls from the top so the heap does not keep them.
	for len(s.deadlines) > 0 && s.deadlines[0].done {
		heap.Pop(&s.deadlines)
	}
}

func (s *holdService) nextWait() time.Duration {
	if len(s.deadlines) == 0 {
		return time.Hour
	}
	return max(time.Until(s.deadlines[0].deadline), time.Millisecond)
}

// answer runs the pull again (without suspending) and replies.
func (s *holdService) answer(p *heldPull) {
	p.done = true
	if p.parked {
		s.held.Add(-1)
	}
	if s.replyFn != nil {
		s.replyFn(p)
		return
	}
	s.b.replyPullLater(p.to, &p.args)
}

// parked returns how many pulls are held now.
func (s *holdService) parked() int64 { return s.held.Load() }

// holdHeap orders parked pulls by deadline.
type holdHeap []*heldPull

func (h holdHeap) Len() int           { return len(h) }
func (h holdHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h holdHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *holdHeap) Push(x any)        { *h = append(*h, x.(*heldPull)) }
func (h *holdHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return p
}
