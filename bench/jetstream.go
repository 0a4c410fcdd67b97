package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The JetStream peer uses nats.go's jetstream package (the current API):
// PublishAsync futures for a windowed producer, and
// an ordered consumer (ephemeral, no acks, flow-controlled pulls) with
// Consume for reading a stream back in order, the fastest reader
// JetStream has. The legacy JetStreamContext would work as well; it is
// kept for compatibility and gets no new features.

// jetStreamAckTimeout bounds the wait for one publish ack, so that every
// done is called even when an ack is lost. It is far above any ack latency
// measured here (fsync per message: p99 ~1 ms per message in flight).
const jetStreamAckTimeout = 60 * time.Second

// ErrJetStreamProducerClosed is returned by Publish after Close.
var ErrJetStreamProducerClosed = errors.New("bench: producer closed")

// jetStreamClient is the Client for NATS JetStream. It holds one
// connection for stream management; every producer and consumer opens its
// own, as separate processes would.
type jetStreamClient struct {
	url string
	nc  *nats.Conn // admin connection; immutable after NewJetStreamClient
	js  jetstream.JetStream
}

// NewJetStreamClient connects to the nats-server at url.
func NewJetStreamClient(url string) (Client, error) {
	nc, js, err := jetStreamConnect(url, "bench-admin")
	if err != nil {
		return nil, err
	}
	return &jetStreamClient{url: url, nc: nc, js: js}, nil
}

// jetStreamConnect opens a connection named name and its JetStream
// context; opts configure async publishing.
func jetStreamConnect(url, name string, opts ...jetstream.JetStreamOpt) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Name(name))
	if err != nil {
		return nil, nil, fmt.Errorf("bench: connect to %s: %w", url, err)
	}
	js, err := jetstream.New(nc, opts...)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("bench: jetstream on %s: %w", url, err)
	}
	return nc, js, nil
}

func (c *jetStreamClient) Name() string { return "jetstream" }

// CreateTopic creates the stream for topic: subject = topic, file storage,
// one replica, no limits (the server's max_file_store is the only cap).
// A stream that already exists with the same configuration is fine.
func (c *jetStreamClient) CreateTopic(ctx context.Context, topic string) error {
	cfg := jetstream.StreamConfig{
		Name:      streamName(topic),
		Subjects:  []string{topic},
		Storage:   jetstream.FileStorage,
		Replicas:  1,
		Retention: jetstream.LimitsPolicy,
		Discard:   jetstream.DiscardOld,
		MaxMsgs:   -1,
		MaxBytes:  -1,
	}
	_, err := c.js.CreateStream(ctx, cfg)
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("bench: create stream %s for topic %s: %w", cfg.Name, topic, err)
	}
	return nil
}

// streamName maps topic to a legal stream name: anything but letters,
// digits, '-' and '_' ('.', '*', '>', spaces, path separators) becomes '_'.
func streamName(topic string) string {
	b := []byte(topic)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

func (c *jetStreamClient) NewProducer(ctx context.Context, topic string, window int) (Producer, error) {
	return newJetStreamProducer(c.url, topic, window)
}

func (c *jetStreamClient) NewConsumer(ctx context.Context, topic, group string, deliver Deliver) (Consumer, error) {
	return newJetStreamConsumer(ctx, c.url, topic, group, deliver)
}

func (c *jetStreamClient) Close() error {
	c.nc.Close()
	return nil
}

// jetStreamProducer publishes with PublishAsync on its own connection.
//
// Design: a semaphore of window slots bounds the messages in flight;
// Publish takes a slot, publishes, and queues the PubAckFuture with its
// done in publish order. One goroutine (ackLoop) waits for each future in
// turn, calls done and frees the slot, so done runs on our goroutine, never
// under nats.go's locks, and there is no goroutine per message. nats.go's
// own pending limit is set to window, so its 200 ms stall error can never
// trigger. Per-future waiting in order costs nothing when acks arrive in
// order, which they do on one connection to one stream.
//
// Goroutines owned: ackLoop, stopped by Close (after it drained every
// queued future). Publish may be called from several goroutines, but not
// concurrently with Close.
type jetStreamProducer struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	subject string
	slots   chan struct{}     // a token per message in flight
	pending chan jetStreamAck // futures in publish order; capacity window
	gone    chan struct{}     // closed by nats.go when the connection closes
	stopped chan struct{}     // closed when ackLoop returns
	closed  atomic.Bool       // set by Close
	once    sync.Once         // guards the Close sequence
}

// jetStreamAck is a published message waiting for its ack.
type jetStreamAck struct {
	future jetstream.PubAckFuture
	done   func(error)
}

func newJetStreamProducer(url, topic string, window int) (*jetStreamProducer, error) {
	if window < 1 {
		return nil, fmt.Errorf("bench: producer window %d, want >= 1", window)
	}
	gone := make(chan struct{})
	nc, err := nats.Connect(url, nats.Name("bench-producer"), nats.ClosedHandler(func(*nats.Conn) { close(gone) }))
	if err != nil {
		return nil, fmt.Errorf("bench: connect to %s: %w", url, err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(window), jetstream.WithPublishAsyncTimeout(jetStreamAckTimeout))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bench: jetstream on %s: %w", url, err)
	}
	p := &jetStreamProducer{
		nc: nc, js: js, subject: topic,
		slots:   make(chan struct{}, window),
		pending: make(chan jetStreamAck, window),
		gone:    gone,
		stopped: make(chan struct{}),
	}
	go p.ackLoop()
	return p, nil
}

// Publish takes a window slot (blocking until one frees or ctx ends) and
// publishes body; done runs from ackLoop. body is referenced by nats.go
// until the ack (for a retry), which the Producer contract allows.
func (p *jetStreamProducer) Publish(ctx context.Context, body []byte, done func(err error)) error {
	if p.closed.Load() {
		return ErrJetStreamProducerClosed
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	f, err := p.js.PublishAsync(p.subject, body)
	if err != nil {
		<-p.slots
		return fmt.Errorf("bench: publish to %s: %w", p.subject, err)
	}
	p.pending <- jetStreamAck{future: f, done: done} // never blocks: a slot is held
	return nil
}

// ackLoop calls done for every queued future once it resolves, in
// publish order, then frees its slot. It returns when pending is closed
// and drained.
func (p *jetStreamProducer) ackLoop() {
	defer close(p.stopped)
	for a := range p.pending {
		a.done(p.wait(a.future))
		<-p.slots
	}
}

// wait returns nil once f is acknowledged, or the publish error (the ack
// timeout included), or nats.ErrConnectionClosed if the connection closed
// first.
func (p *jetStreamProducer) wait(f jetstream.PubAckFuture) error {
	select {
	case <-f.Ok():
		return nil
	case err := <-f.Err():
		return err
	case <-p.gone:
		return nats.ErrConnectionClosed
	}
}

// Close waits for every message in flight to get its done call, then
// closes the connection. It is safe to call twice.
func (p *jetStreamProducer) Close() error {
	p.once.Do(func() {
		p.closed.Store(true)
		close(p.pending)
		<-p.stopped
		p.nc.Close()
	})
	return nil
}

// jetStreamConsumer reads a stream from its first message with an ordered
// consumer on its own connection.
//
// deliver runs on nats.go's subscription goroutine under gate's read lock;
// Close takes the write lock once, after which no deliver call is running
// or will start, so "deliver is no longer called" holds even though
// nats.go's Stop does not wait for a running handler.
//
// Goroutines owned: none of ours; nats.go's (the subscription's delivery
// goroutine, the ordered consumer's reset loop, the connection's readers)
// end when Close stops the consume context and closes the connection.
type jetStreamConsumer struct {
	nc   *nats.Conn
	cc   jetstream.ConsumeContext
	gate struct {
		sync.RWMutex
		closed bool // guarded by gate
	}
	once sync.Once
}

func newJetStreamConsumer(ctx context.Context, url, topic, group string, deliver Deliver) (*jetStreamConsumer, error) {
	nc, js, err := jetStreamConnect(url, "bench-consumer-"+group)
	if err != nil {
		return nil, err
	}
	c := &jetStreamConsumer{nc: nc}
	oc, err := js.OrderedConsumer(ctx, streamName(topic), jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverAllPolicy,
		ReplayPolicy:  jetstream.ReplayInstantPolicy,
		NamePrefix:    streamName(group),
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bench: ordered consumer on %s (group %s): %w", topic, group, err)
	}
	c.cc, err = oc.Consume(func(m jetstream.Msg) { c.deliver(deliver, m) })
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bench: consume %s (group %s): %w", topic, group, err)
	}
	return c, nil
}

// deliver passes m's body to fn unless the consumer is closed. The body is
// nats.go's buffer for this message, valid during the call.
func (c *jetStreamConsumer) deliver(fn Deliver, m jetstream.Msg) {
	c.gate.RLock()
	defer c.gate.RUnlock()
	if !c.gate.closed {
		fn(m.Data())
	}
}

// Close stops consuming, waits for a running deliver to return, and closes
// the connection. It is safe to call twice.
func (c *jetStreamConsumer) Close() error {
	c.once.Do(func() {
		c.cc.Stop()
		c.gate.Lock()
		c.gate.closed = true
		c.gate.Unlock()
		c.nc.Close()
	})
	return nil
}
