package bench

// fastmq.go adapts the project's own client (package client) to the
// Client seam: a client.Producer per bench Producer, a clustering
// client.PushConsumer per bench Consumer, and client.Admin for topics.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/client"
	"github.com/fastmq/fastmq/protocol"
)

// BenchCluster is the cluster name StartBroker gives the broker; topics
// are created on every master of it.
const BenchCluster = "BenchCluster"

// topicReadyTimeout bounds CreateTopic's wait for the topic's route when
// ctx has no earlier deadline.
const topicReadyTimeout = 30 * time.Second

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("bench: producer closed")

// instanceSeq numbers the producers and consumers this process creates,
// so that each gets its own instance name (and so its own client id and
// connections) in both RocketMQ clients.
var instanceSeq atomic.Uint64

// instanceName returns a process-unique instance name for kind.
func instanceName(kind string) string {
	return fmt.Sprintf("bench-%s-%d-%d", kind, os.Getpid(), instanceSeq.Add(1))
}

// fastmqClient is NewFastmqClient's Client. Used from one goroutine, as
// Client says; its producers and consumers own their own connections.
type fastmqClient struct {
	nameServer string
	admin      *client.Admin
	// producerOpts is a test seam: options appended to every producer's.
	producerOpts []client.ProducerOption
}

// NewFastmqClient returns a Client that drives a RocketMQ-compatible
// cluster through our own client, reaching it through nameServer
// ("host:port").
func NewFastmqClient(nameServer string) (Client, error) {
	a, err := client.NewAdmin(client.WithNameServers(nameServer))
	if err != nil {
		return nil, err
	}
	return &fastmqClient{nameServer: nameServer, admin: a}, nil
}

func (c *fastmqClient) Name() string { return "fastmq" }

// CreateTopic creates topic with Queues read and write queues on every
// master of BenchCluster and returns once the NameServer routes it.
func (c *fastmqClient) CreateTopic(ctx context.Context, topic string) error {
	return createTopic(ctx, c.admin, topic)
}

// createTopic creates topic through a (UPDATE_AND_CREATE_TOPIC, which
// also updates an existing topic) and polls the NameServer until its
// route has Queues writable queues, or ctx ends, or topicReadyTimeout
// passes.
func createTopic(ctx context.Context, a *client.Admin, topic string) error {
	ctx, cancel := context.WithTimeout(ctx, topicReadyTimeout)
	defer cancel()
	spec := client.TopicSpec{Topic: topic, Queues: Queues, Cluster: BenchCluster}
	if err := a.CreateTopic(ctx, spec); err != nil {
		return fmt.Errorf("bench: create topic %s: %w", topic, err)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		r, err := a.TopicRoute(ctx, topic)
		if err == nil && routedQueues(r.QueueDatas) >= Queues {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bench: topic %s not routed by the NameServer (last error %v): %w", topic, err, ctx.Err())
		case <-tick.C:
		}
	}
}

// routedQueues counts the writable queues of a route.
func routedQueues(qds []protocol.QueueData) int {
	n := 0
	for _, qd := range qds {
		n += int(qd.WriteQueueNums)
	}
	return n
}

// NewProducer starts a client.Producer of its own (own instance name and
// producer group, so its own connections) that lets window async sends be
// in flight at once (WithAsyncWorkers' queue bound).
func (c *fastmqClient) NewProducer(ctx context.Context, topic string, window int) (Producer, error) {
	if window <= 0 {
		return nil, fmt.Errorf("bench: window %d: must be positive", window)
	}
	name := instanceName("producer")
	opts := append([]client.ProducerOption{client.WithNameServers(c.nameServer), client.WithInstanceName(name),
		client.WithProducerGroup(name), client.WithAsyncWorkers(window, window)}, c.producerOpts...)
	p, err := client.NewProducer(opts...)
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	fp := &fastmqProducer{p: p, topic: topic, window: newWindow(window)}
	fp.msgs.New = func() any { return new(client.Message) }
	return fp, nil
}

// fastmqProducer publishes through SendAsync, at most window messages
// unacknowledged. It owns no goroutine; done calls run on the client's
// connection reader (SendAsync is pipelined).
type fastmqProducer struct {
	p      *client.Producer
	topic  string // immutable
	window *window
	msgs   sync.Pool // *client.Message, back once its send completed
}

func (p *fastmqProducer) Publish(ctx context.Context, body []byte, done func(err error)) error {
	if err := p.window.acquire(ctx); err != nil {
		return err
	}
	m := p.msgs.Get().(*client.Message)
	m.Topic, m.Body = p.topic, body
	// The send outlives Publish: ctx only bounds the wait for room, each
	// attempt is bounded by the client's request timeout (3 s).
	err := p.p.SendAsync(context.WithoutCancel(ctx), m, func(_ client.SendResult, err error) {
		*m = client.Message{}
		p.msgs.Put(m)
		done(err)
		p.window.release()
	})
	if err != nil {
		p.window.release()
		return fmt.Errorf("bench: fastmq publish to %s: %w", p.topic, err)
	}
	return nil
}

// Close waits for every in-flight message's done call, then shuts the
// client.Producer down.
func (p *fastmqProducer) Close() error {
	if !p.window.close() {
		return nil
	}
	return p.p.Shutdown()
}

// NewConsumer starts a clustering client.PushConsumer in group (its own
// instance name) subscribed to every tag of topic, consuming from the
// first offset. Everything else is RocketMQ's default, as for the
// official client: pull batch 32, 20 consume goroutines, a 1,000-message
// cache per queue, 15 s long polls, handler batches as pulled. It gets
// its queues at its first rebalance, which Start runs.
func (c *fastmqClient) NewConsumer(ctx context.Context, topic, group string, deliver Deliver) (Consumer, error) {
	pc, err := client.NewPushConsumer(client.WithNameServers(c.nameServer), client.WithConsumerGroup(group),
		client.WithInstanceName(instanceName("consumer")), client.WithMessageModel(client.Clustering),
		client.WithConsumeFrom(client.ConsumeFromFirst, time.Time{}))
	if err != nil {
		return nil, err
	}
	err = pc.Subscribe(topic, "*", func(_ context.Context, msgs []*client.MessageExt) client.ConsumeResult {
		for _, m := range msgs {
			deliver(m.Body)
		}
		return client.ConsumeSuccess
	})
	if err != nil {
		return nil, err
	}
	if err := pc.Start(); err != nil {
		pc.Shutdown()
		return nil, err
	}
	return fastmqConsumer{pc}, nil
}

// fastmqConsumer's Close is Shutdown, which awaits the consume workers.
type fastmqConsumer struct{ pc *client.PushConsumer }

func (c fastmqConsumer) Close() error { return c.pc.Shutdown() }

func (c *fastmqClient) Close() error { return c.admin.Close() }

// window counts the messages a producer has in flight: acquire takes a
// slot before a send, release returns it after the message's done call
// returned, so a message holds its slot until its done has run. close
// takes every slot, so it returns once nothing is in flight; acquire
// fails after close.
type window struct {
	slots  chan struct{} // one element per message in flight
	stop   chan struct{} // closed by close, wakes blocked acquires
	closed atomic.Bool
}

func newWindow(n int) *window {
	return &window{slots: make(chan struct{}, n), stop: make(chan struct{})}
}

// acquire takes a slot, waiting while all are taken, until ctx ends
// (ctx's error) or close (ErrClosed). A free slot wins over an ended ctx.
func (w *window) acquire(ctx context.Context) error {
	if w.closed.Load() {
		return ErrClosed
	}
	select {
	case w.slots <- struct{}{}:
	default:
		select {
		case w.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-w.stop:
			return ErrClosed
		}
	}
	if w.closed.Load() {
		w.release()
		return ErrClosed
	}
	return nil
}

func (w *window) release() { <-w.slots }

// close stops new acquires and waits until every slot is free; it reports
// false when the window was already closed.
func (w *window) close() bool {
	if w.closed.Swap(true) {
		return false
	}
	close(w.stop)
	for range cap(w.slots) {
		w.slots <- struct{}{}
	}
	return true
}
