package bench

import (
	"context"
	"errors"
)

// Client is one way of talking to a system under test: our client against
// our broker, the official RocketMQ Go client against our broker, nats.go
// against NATS JetStream. A scenario asks it for producers and consumers of
// one topic and measures them from outside; the client decides how to reach
// its server (a NameServer address, a NATS URL).
//
// A Client is used from one goroutine (the scenario's); the Producers and
// Consumers it returns are used as their own docs say.
type Client interface {
	// Name is what the report calls this client ("fastmq", "official",
	// "jetstream").
	Name() string
	// CreateTopic makes topic ready for producers and consumers: a
	// RocketMQ topic with Queues queues, a JetStream stream of file
	// storage (subject = topic). Creating an existing topic is not an error.
	CreateTopic(ctx context.Context, topic string) error
	// NewProducer returns a producer for topic that keeps at most window
	// messages in flight (sent, not yet acknowledged).
	NewProducer(ctx context.Context, topic string, window int) (Producer, error)
	// NewConsumer starts consuming topic from its first message, calling
	// deliver for every message received, in a new consumer group (a
	// RocketMQ clustering group, a JetStream ordered or durable consumer).
	NewConsumer(ctx context.Context, topic, group string, deliver Deliver) (Consumer, error)
	// Close releases what the client holds (not its server).
	Close() error
}

// Producer publishes messages to one topic.
type Producer interface {
	// Publish sends body and returns once the send is under way. done is
	// called exactly once, from any goroutine, when the server acknowledged
	// the message (err == nil) or the send failed, unless Publish itself
	// returns an error, in which case done is never called. Publish blocks
	// while window messages are in flight, or until ctx ends. body must
	// stay unchanged until done runs.
	Publish(ctx context.Context, body []byte, done func(err error)) error
	// Close waits for the messages in flight (their done calls) and
	// releases the producer.
	Close() error
}

// Consumer is a running subscription; Close stops it and waits until
// deliver is no longer called.
type Consumer interface {
	Close() error
}

// Deliver receives one message body. body is valid only during the call.
// Deliver is called from the client's goroutines, possibly concurrently.
type Deliver func(body []byte)

// Queues is the number of queues (RocketMQ) every benchmark topic gets.
const Queues = 8

// ErrUnsupported is returned by a client for a capability it does not have.
var ErrUnsupported = errors.New("bench: not supported by this client")
