package bench

// official.go adapts the official Apache RocketMQ Go client
// (github.com/apache/rocketmq-client-go/v2 v2.1.2, used unchanged) to the
// Client seam, so the suite can show what an unmodified RocketMQ
// application gets from our broker.

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"

	"github.com/fastmq/fastmq/client"
)

// quietOfficial silences the official client's logger (a process-wide
// logrus logger; it logs every rebalance and pull at info level) and
// installs its process-wide panic handler, once.
var quietOfficial sync.Once

// officialPanics counts panics the official client's goroutines raised.
// v2.1.2's async send, on a timeout, calls the callback with the error
// and then dereferences the missing response; primitive.WithRecover only
// recovers when primitive.PanicHandler is set, so without one a single
// send timeout would end the whole process.
var officialPanics atomic.Int64

func silenceOfficial() {
	quietOfficial.Do(func() {
		rlog.SetLogLevel("fatal")
		primitive.PanicHandler = func(v any) {
			if n := officialPanics.Add(1); n == 1 || n%1000 == 0 {
				slog.Warn("bench: official client panicked in its own goroutine (recovered)", "panic", v, "count", n)
			}
		}
	})
}

// officialClient is NewOfficialClient's Client. Topics are created through
// our client's Admin: the official module's admin API is a separate
// package with its own client instance, and the topic lives on the same
// broker whoever creates it (UPDATE_AND_CREATE_TOPIC either way).
type officialClient struct {
	nameServer string
	admin      *client.Admin
}

// NewOfficialClient returns a Client that drives a RocketMQ cluster
// through the official Go client v2.1.2, reaching it through nameServer
// ("host:port"). Every producer and consumer gets a unique instance name:
// the official client shares one connection set per client id
// (ip@instance) across producers and consumers, process-wide.
func NewOfficialClient(nameServer string) (Client, error) {
	silenceOfficial()
	a, err := client.NewAdmin(client.WithNameServers(nameServer))
	if err != nil {
		return nil, err
	}
	return &officialClient{nameServer: nameServer, admin: a}, nil
}

func (c *officialClient) Name() string { return "official" }

// CreateTopic creates topic with our Admin (see officialClient) and waits
// until the NameServer routes it.
func (c *officialClient) CreateTopic(ctx context.Context, topic string) error {
	return createTopic(ctx, c.admin, topic)
}

// NewProducer starts an official DefaultProducer with its own instance
// name and group. Its SendAsync has no limit of its own (each send costs
// two goroutines until answered, and is neither retried nor
// timeout-configurable: 3 s); the window is enforced here.
func (c *officialClient) NewProducer(ctx context.Context, topic string, window int) (Producer, error) {
	if window <= 0 {
		return nil, fmt.Errorf("bench: window %d: must be positive", window)
	}
	name := instanceName("official-producer")
	p, err := rocketmq.NewProducer(producer.WithNameServer(primitive.NamesrvAddr{c.nameServer}),
		producer.WithGroupName(name), producer.WithInstanceName(name))
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	return &officialProducer{p: p, topic: topic, window: newWindow(window)}, nil
}

// officialProducer publishes through SendAsync, at most window messages
// unacknowledged. It owns no goroutine: the official client runs the
// callbacks on goroutines of its own, one per answer.
type officialProducer struct {
	p      rocketmq.Producer
	topic  string // immutable
	window *window
}

func (p *officialProducer) Publish(ctx context.Context, body []byte, done func(err error)) error {
	if err := p.window.acquire(ctx); err != nil {
		return err
	}
	var once atomic.Bool // guards done against a second callback
	cb := func(_ context.Context, res *primitive.SendResult, err error) {
		if once.Swap(true) {
			return
		}
		switch {
		case err != nil:
			err = fmt.Errorf("bench: official send to %s: %w", p.topic, err)
		case res == nil:
			err = fmt.Errorf("bench: official send to %s: no result", p.topic)
		case res.Status != primitive.SendOK:
			err = fmt.Errorf("bench: official send to %s: status %d", p.topic, res.Status)
		}
		done(err)
		p.window.release()
	}
	// The send outlives Publish: ctx only bounds the wait for room; the
	// official client bounds the send with its fixed 3 s timeout.
	if err := p.p.SendAsync(context.WithoutCancel(ctx), cb, primitive.NewMessage(p.topic, body)); err != nil {
		p.window.release()
		return fmt.Errorf("bench: official publish to %s: %w", p.topic, err)
	}
	return nil
}

// Close waits for every in-flight message's done call, then shuts the
// official producer down.
func (p *officialProducer) Close() error {
	if !p.window.close() {
		return nil
	}
	return p.p.Shutdown()
}

// NewConsumer starts an official push consumer: clustering, in group,
// with its own instance name, consuming from the first offset, every tag
// of topic. Everything else is the official client's default, as for our
// client: pull batch 32, 20 consume goroutines, one message per handler
// call. It gets its queues at its first rebalance.
func (c *officialClient) NewConsumer(ctx context.Context, topic, group string, deliver Deliver) (Consumer, error) {
	pc, err := rocketmq.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{c.nameServer}),
		consumer.WithGroupName(group), consumer.WithInstance(instanceName("official-consumer")),
		consumer.WithConsumerModel(consumer.Clustering), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		return nil, err
	}
	oc := &officialConsumer{pc: pc}
	err = pc.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			if !oc.enter() {
				return consumer.ConsumeRetryLater, nil // closed: the queue is dropped, nothing is sent back
			}
			defer oc.calls.Done()
			for _, m := range msgs {
				deliver(m.Body)
			}
			return consumer.ConsumeSuccess, nil
		})
	if err != nil {
		return nil, err
	}
	if err := pc.Start(); err != nil {
		pc.Shutdown()
		return nil, err
	}
	return oc, nil
}

// officialConsumer wraps the official push consumer, whose Shutdown does
// not wait for the handler goroutines it started: Close shuts it down,
// then refuses new handler calls and waits for the running ones.
type officialConsumer struct {
	pc rocketmq.PushConsumer

	mu     sync.Mutex
	closed bool           // guarded by mu
	calls  sync.WaitGroup // handler calls under way; Add under mu
}

// enter admits a handler call unless Close has begun.
func (c *officialConsumer) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.calls.Add(1)
	return true
}

func (c *officialConsumer) Close() error {
	err := c.pc.Shutdown()
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.calls.Wait()
	return err
}

func (c *officialClient) Close() error { return c.admin.Close() }
