package client

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// minRebalanceGap keeps rebalances at least this far apart (RocketMQ's
// minimum interval).
const minRebalanceGap = time.Second

// rebalanceLoop rebalances every rebalance interval and whenever a broker
// says the group changed (NOTIFY_CONSUMER_IDS_CHANGED).
func (c *PushConsumer) rebalanceLoop(ctx context.Context) {
	t := time.NewTicker(c.cfg.rebalanceInterval)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.rebalanceNow:
			if d := minRebalanceGap - time.Since(last); d > 0 && !wait(ctx, nil, d) {
				return
			}
		}
		c.rebalance(ctx)
		last = time.Now()
	}
}

// rebalance recomputes this consumer's share of every subscribed topic
// and starts or stops queues to match.
func (c *PushConsumer) rebalance(ctx context.Context) {
	for topic := range c.subs {
		tr, err := c.in.routes.update(ctx, topic)
		if err != nil {
			if !strings.HasPrefix(topic, retryTopicPrefix) {
				c.in.log.Debug("client: rebalance: no route", "topic", topic, "err", err)
			}
			continue
		}
		mine := tr.subscribe
		if c.cfg.model == Clustering {
			ids, err := c.consumerIDs(ctx, tr)
			if err != nil {
				c.in.log.Debug("client: rebalance: no consumer list", "topic", topic, "err", err)
				continue
			}
			mine = AllocateAveragely(tr.subscribe, ids, c.in.id)
		}
		c.apply(ctx, topic, mine)
	}
}

// consumerIDs asks a broker serving the topic for the group's members.
func (c *PushConsumer) consumerIDs(ctx context.Context, tr *topicRoute) ([]string, error) {
	addr, ok := c.in.routes.anyBrokerOf(tr)
	if !ok {
		return nil, ErrNoBrokerAvailable
	}
	req := c.in.rpc.newRequest(protocol.ReqGetConsumerListByGroup)
	(&protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: c.cfg.group}).Encode(req)
	resp, err := c.in.rpc.invoke(ctx, addr, req, 0)
	if err != nil {
		return nil, err
	}
	if resp.Code != int32(protocol.RespSuccess) {
		return nil, brokerError("consumer list", addr, resp)
	}
	body, err := protocol.DecodeConsumerListBody(resp.Body)
	if err != nil {
		return nil, err
	}
	return body.ConsumerIDList, nil
}

// apply makes topic's owned queues equal to mine: queues no longer ours
// stop (offset committed, lock released), new ones start.
func (c *PushConsumer) apply(ctx context.Context, topic string, mine []MessageQueue) {
	var gone []*processQueue
	c.mu.Lock()
	for mq, pq := range c.mu.pqs {
		if mq.Topic == topic && !slices.Contains(mine, mq) {
			pq.drop()
			delete(c.mu.pqs, mq)
			gone = append(gone, pq)
		}
	}
	var added []MessageQueue
	for _, mq := range mine {
		if _, ok := c.mu.pqs[mq]; !ok {
			added = append(added, mq)
		}
	}
	c.mu.Unlock()

	for _, pq := range gone {
		c.release(ctx, pq)
	}
	for _, mq := range added {
		c.take(ctx, mq)
	}
}

// release finishes with a queue that is no longer ours: waits for its
// goroutines (an orderly handler may be running), commits its offset and
// releases its lock.
func (c *PushConsumer) release(ctx context.Context, pq *processQueue) {
	pq.wg.Wait()
	if err := c.offsets.persist(ctx, []MessageQueue{pq.mq}); err != nil {
		c.in.log.Debug("client: commit on release failed", "queue", pq.mq, "err", err)
	}
	c.offsets.forget(pq.mq)
	if c.cfg.orderly && c.cfg.model == Clustering {
		c.unlock(ctx, []MessageQueue{pq.mq})
	}
}

// take starts consuming mq: lock it first when orderly, find where to
// start, then start its goroutines. A queue that cannot be taken now is
// tried again at the next rebalance.
func (c *PushConsumer) take(ctx context.Context, mq MessageQueue) {
	pq := newProcessQueue(c.ctx, mq)
	if c.cfg.orderly && c.cfg.model == Clustering {
		locked := c.lock(ctx, mq.BrokerName, []MessageQueue{mq})
		if !slices.Contains(locked, mq) {
			return
		}
		pq.setLocked(true, time.Now())
	}
	offset, err := c.startOffset(ctx, mq)
	if err != nil {
		c.in.log.Debug("client: cannot find start offset", "queue", mq, "err", err)
		return
	}
	c.offsets.update(mq, offset, true)
	c.mu.Lock()
	if ctx.Err() != nil {
		c.mu.Unlock()
		return
	}
	c.mu.pqs[mq] = pq
	c.startQueue(pq, offset)
	c.mu.Unlock()
}

// startQueue starts pq's goroutines.
func (c *PushConsumer) startQueue(pq *processQueue, offset int64) {
	c.goQueue(pq, "pull", func() { c.pullLoop(pq, offset) })
	if c.cfg.orderly {
		c.goQueue(pq, "consume-orderly", func() { c.orderlyLoop(pq) })
	}
}

func (c *PushConsumer) goQueue(pq *processQueue, name string, fn func()) {
	pq.wg.Add(1)
	c.goOwned(name, func(context.Context) {
		defer pq.wg.Done()
		fn()
	})
}

// startOffset is where consumption of mq begins: the stored offset, or,
// for a group with none, what ConsumeFrom says (RocketMQ
// RebalancePushImpl.computePullFromWhere).
func (c *PushConsumer) startOffset(ctx context.Context, mq MessageQueue) (int64, error) {
	off, err := c.offsets.read(ctx, mq)
	if err == nil && off >= 0 {
		return off, nil
	}
	if err != nil && !errors.Is(err, errNoOffset) {
		return 0, err
	}
	retry := strings.HasPrefix(mq.Topic, retryTopicPrefix)
	switch c.cfg.from {
	case ConsumeFromFirst:
		return 0, nil
	case ConsumeFromTimestamp:
		if retry {
			return c.in.queueOffset(ctx, protocol.ReqGetMaxOffset, mq)
		}
		ts := c.cfg.fromTimestamp
		if ts.IsZero() {
			ts = c.cfg.clock().Add(-DefaultConsumeTimestampAgo)
		}
		return c.in.searchOffset(ctx, mq, ts)
	default:
		if retry {
			return 0, nil
		}
		return c.in.queueOffset(ctx, protocol.ReqGetMaxOffset, mq)
	}
}

func sortQueues(mqs []MessageQueue) { slices.SortFunc(mqs, compareQueues) }
