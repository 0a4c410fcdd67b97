package broker

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// lockTable holds the orderly consumers' queue locks (J4
// RebalanceLockManager): group → queue → owner, expiring maxLive after the
// owner's last lock call.
type lockTable struct {
	maxLive time.Duration
	mu      sync.Mutex // guards locks
	locks   map[string]map[protocol.MessageQueue]*queueLock
}

type queueLock struct {
	clientID string
	renewed  time.Time
}

func newLockTable(maxLive time.Duration) *lockTable {
	return &lockTable{maxLive: maxLive, locks: make(map[string]map[protocol.MessageQueue]*queueLock)}
}

// lock gives clientID every queue of mqs that is free, expired or already
// its own, and returns those it now holds.
func (t *lockTable) lock(group, clientID string, mqs []protocol.MessageQueue, now time.Time) []protocol.MessageQueue {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.locks[group]
	if !ok {
		g = make(map[protocol.MessageQueue]*queueLock)
		t.locks[group] = g
	}
	var held []protocol.MessageQueue
	for _, mq := range mqs {
		l, ok := g[mq]
		if ok && l.clientID != clientID && now.Sub(l.renewed) < t.maxLive {
			continue
		}
		g[mq] = &queueLock{clientID: clientID, renewed: now}
		held = append(held, mq)
	}
	return held
}

// unlock releases the queues clientID holds.
func (t *lockTable) unlock(group, clientID string, mqs []protocol.MessageQueue) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.locks[group]
	for _, mq := range mqs {
		if l, ok := g[mq]; ok && l.clientID == clientID {
			delete(g, mq)
		}
	}
}

// expire forgets locks not renewed for maxLive.
func (t *lockTable) expire(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for name, g := range t.locks {
		for mq, l := range g {
			if now.Sub(l.renewed) >= t.maxLive {
				delete(g, mq)
			}
		}
		if len(g) == 0 {
			delete(t.locks, name)
		}
	}
}

// handleLockBatch serves LOCK_BATCH_MQ (41).
func (b *Broker) handleLockBatch(c *netpoll.Conn, req *protocol.Command) {
	body, err := protocol.DecodeLockBatchRequestBody(req.Body)
	if err != nil {
		b.replyError(c, req, fmt.Errorf("lock batch: %w: %w", ErrBadRequest, err))
		return
	}
	held := b.locks.lock(strings.Clone(body.ConsumerGroup), body.ClientID, body.MQSet, time.Now())
	out := protocol.AppendLockBatchResponseBody(nil, &protocol.LockBatchResponseBody{LockOKMQSet: held})
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = out })
}

// handleUnlockBatch serves UNLOCK_BATCH_MQ (42).
func (b *Broker) handleUnlockBatch(c *netpoll.Conn, req *protocol.Command) {
	body, err := protocol.DecodeLockBatchRequestBody(req.Body)
	if err != nil {
		b.replyError(c, req, fmt.Errorf("unlock batch: %w: %w", ErrBadRequest, err))
		return
	}
	b.locks.unlock(body.ConsumerGroup, body.ClientID, body.MQSet)
	b.reply(c, req, protocol.RespSuccess, "", nil)
}
