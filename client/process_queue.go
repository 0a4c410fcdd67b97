package client

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// processQueue is one queue a push consumer owns: the messages pulled and
// not yet consumed, in offset order, and the state of the queue's lock
// (orderly consumption). Created by a rebalance, dropped by a later one
// or by Shutdown.
//
// Goroutines bound to it: its pull loop and, when orderly, its consume
// loop; both stop when ctx ends (cancel) and are awaited through wg.
type processQueue struct {
	mq      MessageQueue
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	dropped atomic.Bool

	// space is signalled when consumption frees room (flow control);
	// ready when messages arrive or the lock is taken (orderly).
	space chan struct{}
	ready chan struct{}

	mu struct {
		sync.Mutex
		pending   []pendingMsg // ascending queue offsets
		bytes     int
		count     int
		maxOffset int64 // largest offset ever put; -1 before the first
		locked    bool
		lockedAt  time.Time
	}
}

// pendingMsg is a pulled message; done once consumed (or sent back).
type pendingMsg struct {
	m    *MessageExt
	done bool
}

// lockLifetime is how long a queue lock counts as held after it was last
// taken or renewed on the broker (RocketMQ's client-side lockMaxLiveTime);
// the broker's own lease is 60 s.
const lockLifetime = 30 * time.Second

func newProcessQueue(parent context.Context, mq MessageQueue) *processQueue {
	pq := &processQueue{mq: mq, space: make(chan struct{}, 1), ready: make(chan struct{}, 1)}
	pq.ctx, pq.cancel = context.WithCancel(parent)
	pq.mu.maxOffset = -1
	return pq
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// drop stops the queue's goroutines (without waiting for them).
func (pq *processQueue) drop() {
	pq.dropped.Store(true)
	pq.cancel()
}

// put adds pulled messages (ascending offsets, after every earlier put).
func (pq *processQueue) put(msgs []*MessageExt) {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	for _, m := range msgs {
		if m.QueueOffset <= pq.mu.maxOffset {
			continue // already held: a pull repeated after an error
		}
		pq.mu.pending = append(pq.mu.pending, pendingMsg{m: m})
		pq.mu.count++
		pq.mu.bytes += len(m.Body)
		pq.mu.maxOffset = m.QueueOffset
	}
	signal(pq.ready)
}

// remove marks msgs consumed and returns the offset to commit: the
// smallest offset still pending, or one past the largest ever put
// (RocketMQ ProcessQueue.removeMessage).
func (pq *processQueue) remove(msgs []*MessageExt) int64 {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	p := pq.mu.pending
	for _, m := range msgs {
		i := sort.Search(len(p), func(i int) bool { return p[i].m.QueueOffset >= m.QueueOffset })
		if i < len(p) && p[i].m.QueueOffset == m.QueueOffset && !p[i].done {
			p[i].done = true
			pq.mu.count--
			pq.mu.bytes -= len(p[i].m.Body)
		}
	}
	k := 0
	for k < len(p) && p[k].done {
		p[k] = pendingMsg{}
		k++
	}
	pq.mu.pending = p[k:]
	signal(pq.space)
	return pq.commitOffsetLocked()
}

func (pq *processQueue) commitOffsetLocked() int64 {
	for _, e := range pq.mu.pending {
		if !e.done {
			return e.m.QueueOffset
		}
	}
	return pq.mu.maxOffset + 1
}

// empty reports whether nothing is pending.
func (pq *processQueue) empty() bool {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	return pq.mu.count == 0
}

// overLimit reports whether the cached messages exceed either limit.
func (pq *processQueue) overLimit(count, bytes int) bool {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	return pq.mu.count > count || pq.mu.bytes > bytes
}

// first returns the pending message with the smallest offset (orderly).
func (pq *processQueue) first() *MessageExt {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	for _, e := range pq.mu.pending {
		if !e.done {
			return e.m
		}
	}
	return nil
}

// setLocked records the outcome of a lock request on the broker.
func (pq *processQueue) setLocked(locked bool, now time.Time) {
	pq.mu.Lock()
	pq.mu.locked = locked
	if locked {
		pq.mu.lockedAt = now
	}
	pq.mu.Unlock()
	if locked {
		signal(pq.ready)
	}
}

// lockValid reports whether the queue's lock is held and fresh.
func (pq *processQueue) lockValid(now time.Time) bool {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	return pq.mu.locked && now.Sub(pq.mu.lockedAt) < lockLifetime
}

// wait blocks until ch is signalled, d passes or ctx ends; false when ctx
// ended.
func wait(ctx context.Context, ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-ch:
	case <-t.C:
	}
	return true
}
