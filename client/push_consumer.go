package client

import (
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// ConsumeResult is what a Handler says about the messages it was given.
type ConsumeResult uint8

const (
	// ConsumeSuccess: the messages are consumed; their offsets may be
	// committed.
	ConsumeSuccess ConsumeResult = iota
	// ConsumeRetryLater: deliver again later. Clustering: the messages go
	// back to the broker (retry topic, growing delays, dead-letter queue
	// after WithMaxReconsumeTimes). Orderly: the queue pauses 1 s and the
	// same messages come again. Broadcasting: the failure is dropped, as
	// in RocketMQ.
	ConsumeRetryLater
)

// Handler consumes messages. It runs on the consumer's goroutines, several
// at once unless the consumer is orderly; ctx ends at Shutdown. A panic
// counts as ConsumeRetryLater.
type Handler func(ctx context.Context, msgs []*MessageExt) ConsumeResult

// retryTopicPrefix names a group's retry topic.
const retryTopicPrefix = "%RETRY%"

// PushConsumer pulls for the queues it owns and hands the messages to
// handlers: clustering (queues shared by the group through RocketMQ's AVG
// allocation, offsets on the broker) or broadcasting (every queue,
// offsets in a local file); concurrent or orderly.
//
// Goroutines it owns, started by Start and stopped and awaited by
// Shutdown: the instance's route refresher and heartbeat sender; the
// rebalancer (client=rebalance); the offset committer (client=commit);
// the consume workers (client=consume, concurrent mode); the lock renewer
// (client=lock, orderly clustering); and per owned queue a pull loop
// (client=pull) and, orderly, a consume loop (client=consume-orderly).
//
// Lock order: PushConsumer.mu, then processQueue.mu; neither is held
// across a request or a handler call.
type PushConsumer struct {
	cfg     consumerConfig // immutable after NewPushConsumer
	in      *instance
	state   atomic.Int32
	offsets offsetStore

	// subs and handlers are filled by Subscribe before Start, read-only
	// after.
	subs     map[string]*subscription
	handlers map[string]Handler

	ctx    context.Context // ends when Shutdown begins
	cancel context.CancelFunc
	wg     sync.WaitGroup

	tasks        chan consumeTask // concurrent mode
	rebalanceNow chan struct{}

	mu struct {
		sync.Mutex
		pqs   map[MessageQueue]*processQueue
		retry []consumeTask // failed send-backs, consumed again by the committer
	}
}

// consumeTask is one handler call's worth of messages of one queue.
type consumeTask struct {
	pq   *processQueue
	msgs []*MessageExt
}

// NewPushConsumer returns a push consumer; Subscribe, then Start.
func NewPushConsumer(opts ...ConsumerOption) (*PushConsumer, error) {
	cfg := defaultConsumerConfig()
	for _, o := range opts {
		o.applyConsumer(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &PushConsumer{
		cfg: cfg, subs: make(map[string]*subscription), handlers: make(map[string]Handler),
		rebalanceNow: make(chan struct{}, 1),
	}
	if cfg.model == Broadcasting && cfg.instanceName == "" {
		// A stable id keeps a broadcasting consumer's offsets file across
		// restarts (RocketMQ keeps instance name DEFAULT there).
		c.cfg.instanceName = "DEFAULT"
	}
	c.in = newInstance(&c.cfg.common, c.serve)
	c.in.heartbeat = c.heartbeatData
	c.mu.pqs = make(map[MessageQueue]*processQueue)
	if cfg.model == Broadcasting {
		lo, err := newLocalOffsets(cfg.offsetDir, c.in.id, cfg.group)
		if err != nil {
			return nil, err
		}
		c.offsets = lo
	} else {
		c.offsets = &remoteOffsets{in: c.in, group: cfg.group}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Subscribe consumes topic's messages whose tag matches expr ("*" for all,
// or "a || b") with h. Call it before Start.
func (c *PushConsumer) Subscribe(topic, expr string, h Handler) error {
	if c.state.Load() != stateNew {
		return ErrSubscribeStarted
	}
	if err := protocol.ValidateTopic([]byte(topic)); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrInvalidTopic, topic, err)
	}
	s := parseSubscription(topic, expr, c.cfg.clock())
	c.subs[topic] = &s
	c.handlers[topic] = h
	return nil
}

// ClientID returns the id the group knows this consumer by.
func (c *PushConsumer) ClientID() string { return c.in.id }

// Start registers with the brokers, takes this consumer's queues and
// starts consuming.
func (c *PushConsumer) Start() error {
	if len(c.subs) == 0 {
		return fmt.Errorf("%w: no subscription", ErrConfig)
	}
	if !c.state.CompareAndSwap(stateNew, stateStarted) {
		return ErrClosed
	}
	if c.cfg.model == Clustering {
		s := parseSubscription(retryTopicPrefix+c.cfg.group, "*", c.cfg.clock())
		c.subs[s.topic] = &s
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.requestTimeout)
	defer cancel()
	for topic := range c.subs {
		if _, err := c.in.routes.update(ctx, topic); err != nil && !strings.HasPrefix(topic, retryTopicPrefix) {
			c.in.log.Warn("client: no route yet", "topic", topic, "err", err)
		}
	}
	c.in.start(c.cfg.routeRefresh, c.cfg.heartbeatInterval)
	if err := c.in.sendHeartbeat(ctx); err != nil {
		c.in.log.Warn("client: first heartbeat failed", "err", err)
	}
	if !c.cfg.orderly {
		c.tasks = make(chan consumeTask, c.cfg.consumeGoroutines*4)
		for range c.cfg.consumeGoroutines {
			c.goOwned("consume", func(ctx context.Context) { c.consumeWorker(ctx) })
		}
	}
	c.rebalance(c.ctx)
	c.goOwned("rebalance", c.rebalanceLoop)
	c.goOwned("commit", c.commitLoop)
	if c.cfg.orderly && c.cfg.model == Clustering {
		c.goOwned("lock", c.lockLoop)
	}
	return nil
}

// goOwned runs fn on a goroutine tracked by c.wg, labelled client=name.
func (c *PushConsumer) goOwned(name string, fn func(ctx context.Context)) {
	c.wg.Add(1)
	go pprof.Do(c.ctx, pprof.Labels("client", name), func(ctx context.Context) {
		defer c.wg.Done()
		fn(ctx)
	})
}

// Shutdown stops pulling and consuming, waits for every goroutine,
// commits the offsets, releases queue locks, leaves the group and closes
// the connections. Safe to call twice.
func (c *PushConsumer) Shutdown() error {
	prev := c.state.Swap(stateClosed)
	if prev == stateClosed {
		return nil
	}
	c.cancel()
	c.wg.Wait()
	var errs []error
	if prev == stateStarted {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.requestTimeout)
		defer cancel()
		mqs := c.ownedQueues()
		errs = append(errs, c.offsets.persist(ctx, mqs))
		if c.cfg.orderly && c.cfg.model == Clustering {
			c.unlock(ctx, mqs)
		}
		c.unregister(ctx)
	}
	errs = append(errs, c.in.close())
	return errors.Join(errs...)
}

// ownedQueues returns the queues this consumer holds now.
func (c *PushConsumer) ownedQueues() []MessageQueue {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]MessageQueue, 0, len(c.mu.pqs))
	for mq := range c.mu.pqs {
		out = append(out, mq)
	}
	return out
}

// Assignment returns the queues of topic this consumer holds now, sorted.
func (c *PushConsumer) Assignment(topic string) []MessageQueue {
	var out []MessageQueue
	for _, mq := range c.ownedQueues() {
		if mq.Topic == topic {
			out = append(out, mq)
		}
	}
	sortQueues(out)
	return out
}

func (c *PushConsumer) heartbeatData() protocol.HeartbeatData {
	cd := protocol.ConsumerData{
		GroupName: c.cfg.group, ConsumeType: protocol.ConsumePassively,
		MessageModel: modelName(c.cfg.model), ConsumeFromWhere: fromName(c.cfg.from),
	}
	for _, s := range c.subs {
		cd.SubscriptionDataSet = append(cd.SubscriptionDataSet, s.data())
	}
	return protocol.HeartbeatData{ClientID: c.in.id, ConsumerDataSet: []protocol.ConsumerData{cd}}
}

// serve answers requests brokers send on our connections. It runs on a
// connection's reader goroutine: it only signals.
func (c *PushConsumer) serve(_ string, req *protocol.Command) *protocol.Command {
	if protocol.RequestCode(req.Code) == protocol.ReqNotifyConsumerIdsChanged {
		signal(c.rebalanceNow)
		return nil
	}
	return protocol.NewResponse(protocol.RespRequestCodeNotSupported, "not supported by the fastmq client")
}

// unregister tells every broker this client leaves the group
// (UNREGISTER_CLIENT), so the others rebalance at once.
func (c *PushConsumer) unregister(ctx context.Context) {
	for _, addr := range c.in.routes.allBrokerAddrs(false) {
		req := c.in.rpc.newRequest(protocol.ReqUnregisterClient)
		(&protocol.UnregisterClientRequestHeader{ClientID: c.in.id, ConsumerGroup: c.cfg.group}).Encode(req)
		if _, err := c.in.rpc.invoke(ctx, addr, req, 0); err != nil {
			c.in.log.Debug("client: unregister failed", "broker", addr, "err", err)
		}
	}
}

// handler returns the handler for a message of topic (a retried message
// carries its first topic).
func (c *PushConsumer) handler(topic string) Handler {
	if h := c.handlers[topic]; h != nil {
		return h
	}
	for _, h := range c.handlers {
		return h
	}
	return nil
}

// call runs the handler, turning a panic into ConsumeRetryLater.
func (c *PushConsumer) call(ctx context.Context, msgs []*MessageExt) (res ConsumeResult) {
	defer func() {
		if r := recover(); r != nil {
			c.in.log.Error("client: handler panicked", "topic", msgs[0].Topic, "panic", r)
			res = ConsumeRetryLater
		}
	}()
	return c.handler(msgs[0].Topic)(ctx, msgs)
}

// commitLoop stores offsets every commit interval and re-queues messages
// whose send-back failed.
func (c *PushConsumer) commitLoop(ctx context.Context) {
	t := time.NewTicker(c.cfg.commitInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := c.offsets.persist(ctx, c.ownedQueues()); err != nil {
			c.in.log.Debug("client: offset commit failed", "err", err)
		}
		c.mu.Lock()
		retry := c.mu.retry
		c.mu.retry = nil
		c.mu.Unlock()
		for _, task := range retry {
			if !c.dispatch(ctx, task) {
				return
			}
		}
	}
}
