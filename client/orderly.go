package client

import (
	"context"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// suspendOnFailure is how long an orderly queue waits before it retries
// a message its handler failed (RocketMQ suspendCurrentQueueTimeMillis).
const suspendOnFailure = time.Second

// orderlyLoop consumes pq one message at a time in offset order, only
// while the queue's lock is held (clustering).
func (c *PushConsumer) orderlyLoop(pq *processQueue) {
	ctx := pq.ctx
	for wait(ctx, pq.ready, time.Second) {
		for ctx.Err() == nil {
			if c.cfg.model == Clustering && !pq.lockValid(time.Now()) {
				break
			}
			m := pq.first()
			if m == nil {
				break
			}
			if !c.consumeOrderly(ctx, pq, m) {
				wait(ctx, nil, suspendOnFailure)
			}
		}
	}
}

// consumeOrderly runs the handler on m; false when m must be retried.
func (c *PushConsumer) consumeOrderly(ctx context.Context, pq *processQueue, m *MessageExt) bool {
	if c.call(ctx, []*MessageExt{m}) != ConsumeSuccess {
		m.ReconsumeTimes++
		if int(m.ReconsumeTimes) < c.cfg.maxReconsume || c.cfg.model != Clustering {
			return false
		}
		// Past the limit: to the dead-letter queue, then go on.
		if err := c.sendBack(ctx, m, -1); err != nil {
			return false
		}
	}
	off := pq.remove([]*MessageExt{m})
	if !pq.dropped.Load() {
		c.offsets.update(pq.mq, off, false)
	}
	return true
}

// lockLoop renews the locks of every owned queue on its broker every
// lock interval (RocketMQ lockAll).
func (c *PushConsumer) lockLoop(ctx context.Context) {
	t := time.NewTicker(c.cfg.lockRenew)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		byBroker := make(map[string][]MessageQueue)
		for _, mq := range c.ownedQueues() {
			byBroker[mq.BrokerName] = append(byBroker[mq.BrokerName], mq)
		}
		for broker, mqs := range byBroker {
			locked := c.lock(ctx, broker, mqs)
			now := time.Now()
			c.mu.Lock()
			for _, mq := range mqs {
				if pq := c.mu.pqs[mq]; pq != nil {
					pq.setLocked(containsQueue(locked, mq), now)
				}
			}
			c.mu.Unlock()
		}
	}
}

func containsQueue(mqs []MessageQueue, mq MessageQueue) bool {
	for _, q := range mqs {
		if q == mq {
			return true
		}
	}
	return false
}

// lock asks broker's master to lock mqs for this client (LOCK_BATCH_MQ)
// and returns the queues it holds now.
func (c *PushConsumer) lock(ctx context.Context, broker string, mqs []MessageQueue) []MessageQueue {
	addr, ok := c.in.routes.masterAddr(broker)
	if !ok {
		return nil
	}
	req := c.in.rpc.newRequest(protocol.ReqLockBatchMQ)
	req.Body = protocol.AppendLockBatchRequestBody(nil, &protocol.LockBatchRequestBody{
		ConsumerGroup: c.cfg.group, ClientID: c.in.id, MQSet: mqs,
	})
	resp, err := c.in.rpc.invoke(ctx, addr, req, 0)
	if err != nil || resp.Code != int32(protocol.RespSuccess) {
		c.in.log.Debug("client: lock failed", "broker", addr, "err", err)
		return nil
	}
	body, err := protocol.DecodeLockBatchResponseBody(resp.Body)
	if err != nil {
		return nil
	}
	return body.LockOKMQSet
}

// unlock releases mqs (UNLOCK_BATCH_MQ), best effort.
func (c *PushConsumer) unlock(ctx context.Context, mqs []MessageQueue) {
	byBroker := make(map[string][]MessageQueue)
	for _, mq := range mqs {
		byBroker[mq.BrokerName] = append(byBroker[mq.BrokerName], mq)
	}
	for broker, qs := range byBroker {
		addr, ok := c.in.routes.masterAddr(broker)
		if !ok {
			continue
		}
		req := c.in.rpc.newRequest(protocol.ReqUnlockBatchMQ)
		req.Body = protocol.AppendLockBatchRequestBody(nil, &protocol.LockBatchRequestBody{
			ConsumerGroup: c.cfg.group, ClientID: c.in.id, MQSet: qs,
		})
		if _, err := c.in.rpc.invoke(ctx, addr, req, 0); err != nil {
			c.in.log.Debug("client: unlock failed", "broker", addr, "err", err)
		}
	}
}
