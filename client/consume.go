package client

import (
	"context"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// pullLoop pulls pq's messages from offset until pq is dropped or the
// consumer shuts down: long polling (the broker holds a pull that finds
// nothing up to the suspend time), paused while the queue holds more than
// its cache limits or, orderly, while its lock is not held.
func (c *PushConsumer) pullLoop(pq *processQueue, offset int64) {
	ctx := pq.ctx
	sub := c.subs[pq.mq.Topic]
	var brokerID int64
	for ctx.Err() == nil {
		if pq.overLimit(c.cfg.queueCacheCount, c.cfg.queueCacheBytes) {
			wait(ctx, pq.space, 50*time.Millisecond) // flow control
			continue
		}
		if c.cfg.orderly && c.cfg.model == Clustering && !pq.lockValid(time.Now()) {
			wait(ctx, pq.ready, time.Second)
			continue
		}
		commit := int64(-1)
		if c.cfg.model == Clustering {
			if cur := c.offsets.current(pq.mq); cur > 0 {
				commit = cur
			}
		}
		res, err := c.in.pull(ctx, pullRequest{
			group: c.cfg.group, mq: pq.mq, offset: offset, maxNums: c.cfg.pullBatchSize,
			commitOffset: commit, suspend: c.cfg.suspendTimeout, timeout: c.cfg.pullTimeout,
			sub: sub, brokerID: brokerID,
		})
		if err != nil {
			if ctx.Err() == nil {
				c.in.log.Debug("client: pull failed", "queue", pq.mq, "err", err)
				wait(ctx, nil, c.cfg.pullBackoff)
			}
			continue
		}
		brokerID = res.SuggestBrokerID
		offset = c.handlePull(ctx, pq, offset, res)
	}
}

// handlePull acts on one pull result and returns the next offset.
func (c *PushConsumer) handlePull(ctx context.Context, pq *processQueue, offset int64, res *PullResult) int64 {
	switch res.Status {
	case PullFound:
		if len(res.Messages) > 0 {
			pq.put(res.Messages)
			if !c.cfg.orderly {
				// One message per task, as a capped subslice of the pull's
				// own slice (nothing else writes it): no allocation each.
				for i := range res.Messages {
					if !c.dispatch(ctx, consumeTask{pq: pq, msgs: res.Messages[i : i+1 : i+1]}) {
						break
					}
				}
			}
			return res.NextBeginOffset
		}
	case PullOffsetIllegal:
		c.in.log.Warn("client: pull offset illegal", "queue", pq.mq, "offset", offset, "next", res.NextBeginOffset)
		c.offsets.update(pq.mq, res.NextBeginOffset, true)
		_ = c.offsets.persist(ctx, []MessageQueue{pq.mq}) // retried by the committer
		return res.NextBeginOffset
	}
	// Nothing to consume (or all filtered out): with nothing pending, the
	// queue's offset may move past the examined entries.
	if pq.empty() {
		c.offsets.update(pq.mq, res.NextBeginOffset, false)
	}
	return res.NextBeginOffset
}

// dispatch hands a task to the consume workers; false when ctx ended.
func (c *PushConsumer) dispatch(ctx context.Context, t consumeTask) bool {
	select {
	case c.tasks <- t:
		return true
	case <-ctx.Done():
		return false
	}
}

// consumeWorker runs handler calls of concurrent mode.
func (c *PushConsumer) consumeWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case t := <-c.tasks:
			c.consume(ctx, t)
		}
	}
}

func (c *PushConsumer) consume(ctx context.Context, t consumeTask) {
	if t.pq.dropped.Load() {
		return
	}
	res := c.call(ctx, t.msgs)
	done := t.msgs
	if res != ConsumeSuccess && c.cfg.model == Clustering {
		var failed []*MessageExt
		done, failed = c.sendBackAll(ctx, t.msgs, 0)
		if len(failed) > 0 {
			c.mu.Lock()
			c.mu.retry = append(c.mu.retry, consumeTask{pq: t.pq, msgs: failed})
			c.mu.Unlock()
		}
	} else if res != ConsumeSuccess {
		c.in.log.Warn("client: broadcast message failed and is dropped", "msgId", t.msgs[0].MsgID)
	}
	if len(done) == 0 {
		return
	}
	off := t.pq.remove(done)
	if !t.pq.dropped.Load() {
		c.offsets.update(t.pq.mq, off, false)
	}
}

// sendBackAll sends msgs back to the broker for redelivery (delayLevel 0:
// the broker's schedule; < 0: straight to the dead-letter queue) and
// splits them into those the broker took and those it did not.
func (c *PushConsumer) sendBackAll(ctx context.Context, msgs []*MessageExt, delayLevel int32) (done, failed []*MessageExt) {
	for _, m := range msgs {
		if err := c.sendBack(ctx, m, delayLevel); err != nil {
			c.in.log.Debug("client: send back failed", "msgId", m.MsgID, "err", err)
			failed = append(failed, m)
		} else {
			done = append(done, m)
		}
	}
	return done, failed
}

// sendBack is CONSUMER_SEND_MSG_BACK to the master of m's broker.
func (c *PushConsumer) sendBack(ctx context.Context, m *MessageExt, delayLevel int32) error {
	addr, err := c.in.masterFor(ctx, m.Queue)
	if err != nil {
		return err
	}
	req := c.in.rpc.newRequest(protocol.ReqConsumerSendMsgBack)
	(&protocol.ConsumerSendMsgBackRequestHeader{
		Offset: m.CommitLogOffset, Group: c.cfg.group, DelayLevel: delayLevel,
		OriginMsgID: m.MsgID, OriginTopic: m.Topic,
		MaxReconsumeTimes: int32(c.cfg.maxReconsume), HasMaxReconsumeTimes: true,
	}).Encode(req)
	resp, err := c.in.rpc.invoke(ctx, addr, req, 0)
	if err != nil {
		return err
	}
	if resp.Code != int32(protocol.RespSuccess) {
		return brokerError("send back", addr, resp)
	}
	return nil
}
