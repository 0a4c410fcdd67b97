package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// PullConsumer pulls explicitly: the caller names the queue and offset
// (Pull) or lets the consumer keep a position per queue (PullNext, Seek).
// Offsets are stored on the broker when the caller commits them. Safe for
// concurrent use.
//
// Goroutines it owns, started by Start and stopped and awaited by
// Shutdown: the instance's route refresher and heartbeat sender.
type PullConsumer struct {
	cfg   consumerConfig // immutable after NewPullConsumer
	in    *instance
	state atomic.Int32

	mu struct {
		sync.Mutex
		subs      map[string]*subscription // by topic
		positions map[MessageQueue]int64   // next offset PullNext reads
	}
}

// NewPullConsumer returns a pull consumer; Start connects it.
func NewPullConsumer(opts ...ConsumerOption) (*PullConsumer, error) {
	cfg := defaultConsumerConfig()
	for _, o := range opts {
		o.applyConsumer(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &PullConsumer{cfg: cfg}
	c.in = newInstance(&c.cfg.common, nil)
	c.in.heartbeat = c.heartbeatData
	c.mu.subs = make(map[string]*subscription)
	c.mu.positions = make(map[MessageQueue]int64)
	return c, nil
}

// Subscribe sets the tag expression ("*", "a || b") pulls of topic use;
// without it a topic is pulled whole. Call it before or after Start.
func (c *PullConsumer) Subscribe(topic, expr string) {
	s := parseSubscription(topic, expr, c.cfg.clock())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.subs[topic] = &s
}

func (c *PullConsumer) sub(topic string) *subscription {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.mu.subs[topic]; s != nil {
		return s
	}
	s := parseSubscription(topic, "*", c.cfg.clock())
	c.mu.subs[topic] = &s
	return &s
}

func (c *PullConsumer) heartbeatData() protocol.HeartbeatData {
	c.mu.Lock()
	defer c.mu.Unlock()
	cd := protocol.ConsumerData{
		GroupName: c.cfg.group, ConsumeType: protocol.ConsumeActively,
		MessageModel: modelName(c.cfg.model), ConsumeFromWhere: fromName(c.cfg.from),
	}
	for _, s := range c.mu.subs {
		cd.SubscriptionDataSet = append(cd.SubscriptionDataSet, s.data())
	}
	return protocol.HeartbeatData{ClientID: c.in.id, ConsumerDataSet: []protocol.ConsumerData{cd}}
}

// Start starts the route and heartbeat loops.
func (c *PullConsumer) Start() error {
	if !c.state.CompareAndSwap(stateNew, stateStarted) {
		return ErrClosed
	}
	c.in.start(c.cfg.routeRefresh, c.cfg.heartbeatInterval)
	return nil
}

// Shutdown stops the loops and closes the connections. Positions not
// committed with CommitOffset are lost. Safe to call twice.
func (c *PullConsumer) Shutdown() error {
	if c.state.Swap(stateClosed) == stateClosed {
		return nil
	}
	return c.in.close()
}

func (c *PullConsumer) started() error {
	switch c.state.Load() {
	case stateNew:
		return ErrNotStarted
	case stateClosed:
		return ErrClosed
	}
	return nil
}

// Queues returns topic's readable queues, fetching its route.
func (c *PullConsumer) Queues(ctx context.Context, topic string) ([]MessageQueue, error) {
	if err := c.started(); err != nil {
		return nil, err
	}
	tr, err := c.in.routes.update(ctx, topic)
	if err != nil {
		return nil, err
	}
	return append([]MessageQueue(nil), tr.subscribe...), nil
}

// Pull reads up to maxNums messages of mq from offset, without waiting
// when there are none. Messages whose tag the topic's subscription does
// not match are left out (NextBeginOffset still moves past them).
func (c *PullConsumer) Pull(ctx context.Context, mq MessageQueue, offset int64, maxNums int) (*PullResult, error) {
	return c.pull(ctx, mq, offset, maxNums, 0)
}

// PullWait is Pull that lets the broker hold the request up to suspend
// when nothing is there yet (long polling).
func (c *PullConsumer) PullWait(ctx context.Context, mq MessageQueue, offset int64, maxNums int, suspend time.Duration) (*PullResult, error) {
	return c.pull(ctx, mq, offset, maxNums, suspend)
}

func (c *PullConsumer) pull(ctx context.Context, mq MessageQueue, offset int64, maxNums int, suspend time.Duration) (*PullResult, error) {
	if err := c.started(); err != nil {
		return nil, err
	}
	if maxNums <= 0 {
		maxNums = c.cfg.pullBatchSize
	}
	timeout := c.cfg.requestTimeout
	if suspend > 0 {
		timeout = suspend + c.cfg.requestTimeout
	}
	return c.in.pull(ctx, pullRequest{
		group: c.cfg.group, mq: mq, offset: offset, maxNums: maxNums, commitOffset: -1,
		suspend: suspend, timeout: timeout, sub: c.sub(mq.Topic), postSub: true,
	})
}

// PullNext pulls from the consumer's position in mq (set by Seek, else the
// group's committed offset, else the queue's first offset) and moves the
// position past what it returned.
func (c *PullConsumer) PullNext(ctx context.Context, mq MessageQueue, maxNums int) (*PullResult, error) {
	pos, err := c.Position(ctx, mq)
	if err != nil {
		return nil, err
	}
	res, err := c.Pull(ctx, mq, pos, maxNums)
	if err != nil {
		return nil, err
	}
	c.Seek(mq, res.NextBeginOffset)
	return res, nil
}

// Seek sets the position PullNext reads mq from.
func (c *PullConsumer) Seek(mq MessageQueue, offset int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.positions[mq] = offset
}

// Position returns the offset PullNext would read mq from.
func (c *PullConsumer) Position(ctx context.Context, mq MessageQueue) (int64, error) {
	c.mu.Lock()
	pos, ok := c.mu.positions[mq]
	c.mu.Unlock()
	if ok {
		return pos, nil
	}
	off, err := c.CommittedOffset(ctx, mq)
	if errors.Is(err, ErrNoCommittedOffset) {
		off, err = c.MinOffset(ctx, mq)
	}
	if err != nil {
		return 0, err
	}
	c.Seek(mq, off)
	return off, nil
}

// ErrNoCommittedOffset: the group has no offset stored for the queue.
var ErrNoCommittedOffset = errNoOffset

// CommittedOffset returns the group's offset stored on the broker for mq,
// or ErrNoCommittedOffset.
func (c *PullConsumer) CommittedOffset(ctx context.Context, mq MessageQueue) (int64, error) {
	if err := c.started(); err != nil {
		return 0, err
	}
	return c.in.queryOffset(ctx, c.cfg.group, mq)
}

// CommitOffset stores offset (the next message to consume) for the group
// on the broker. It does not move this consumer's position (Seek does).
func (c *PullConsumer) CommitOffset(ctx context.Context, mq MessageQueue, offset int64) error {
	if err := c.started(); err != nil {
		return err
	}
	if err := c.in.commitOffset(ctx, c.cfg.group, mq, offset); err != nil {
		return fmt.Errorf("client: commit %s:%d=%d: %w", mq.Topic, mq.QueueID, offset, err)
	}
	return nil
}

// MaxOffset returns the offset the next message stored in mq will get.
func (c *PullConsumer) MaxOffset(ctx context.Context, mq MessageQueue) (int64, error) {
	return c.in.queueOffset(ctx, protocol.ReqGetMaxOffset, mq)
}

// MinOffset returns the offset of the oldest message still in mq.
func (c *PullConsumer) MinOffset(ctx context.Context, mq MessageQueue) (int64, error) {
	return c.in.queueOffset(ctx, protocol.ReqGetMinOffset, mq)
}

// OffsetForTime returns the offset of the first message of mq stored at
// or after ts.
func (c *PullConsumer) OffsetForTime(ctx context.Context, mq MessageQueue, ts time.Time) (int64, error) {
	return c.in.searchOffset(ctx, mq, ts)
}

func modelName(m MessageModel) string {
	if m == Broadcasting {
		return protocol.MessageModelBroadcasting
	}
	return protocol.MessageModelClustering
}

func fromName(f ConsumeFrom) string {
	switch f {
	case ConsumeFromFirst:
		return protocol.ConsumeFromFirstOffset
	case ConsumeFromTimestamp:
		return protocol.ConsumeFromTimestamp
	}
	return protocol.ConsumeFromLastOffset
}
