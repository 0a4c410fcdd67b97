package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testJetStream starts an async-flush nats-server and a client on it,
// with topic created.
func testJetStream(t testing.TB, topic string) Client {
	t.Helper()
	n := testNATS(t, AsyncFlush)
	c, err := NewJetStreamClient(n.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.CreateTopic(ctx, topic); err != nil {
		t.Fatal(err)
	}
	return c
}

// jsIndexedBody returns a 1 KiB body: the index, then bytes derived from it.
func jsIndexedBody(i int) []byte {
	b := make([]byte, 1024)
	binary.BigEndian.PutUint64(b, uint64(i))
	for j := 8; j < len(b); j++ {
		b[j] = byte(i + j)
	}
	return b
}

// jsBodyIndex returns the index of a body made by jsIndexedBody, or -1 when
// the body is not one.
func jsBodyIndex(b []byte) int {
	if len(b) != 1024 {
		return -1
	}
	i := int(binary.BigEndian.Uint64(b))
	for j := 8; j < len(b); j++ {
		if b[j] != byte(i+j) {
			return -1
		}
	}
	return i
}

// jsPublishIndexed publishes n indexed bodies with window, fails the test
// unless every done reports nil exactly once, and returns the largest
// number of messages seen in flight (published, done not yet called)
// right after a Publish returned.
func jsPublishIndexed(t *testing.T, c Client, topic string, n, window int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := c.NewProducer(ctx, topic, window)
	if err != nil {
		t.Fatal(err)
	}
	calls := make([]atomic.Int32, n)
	var acked, failed atomic.Int64
	maxInFlight := 0
	for i := range n {
		err := p.Publish(ctx, jsIndexedBody(i), func(err error) {
			calls[i].Add(1)
			if err != nil {
				failed.Add(1)
				t.Errorf("done(%d) = %v", i, err)
			}
			acked.Add(1)
		})
		if err != nil {
			t.Fatalf("Publish(%d): %v", i, err)
		}
		maxInFlight = max(maxInFlight, i+1-int(acked.Load()))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range calls {
		if got := calls[i].Load(); got != 1 {
			t.Fatalf("done for message %d called %d times after Close, want 1", i, got)
		}
	}
	return maxInFlight
}

func TestJetStreamProducerAcksEveryMessageWithinWindow(t *testing.T) {
	const topic, n, window = "bench.acks", 2000, 64
	c := testJetStream(t, topic)
	maxInFlight := jsPublishIndexed(t, c, topic, n, window)
	if maxInFlight > window {
		t.Fatalf("%d messages in flight, window is %d", maxInFlight, window)
	}
	t.Logf("max in flight %d of window %d", maxInFlight, window)
}

// TestJetStreamProducerWindowBlocksPublish holds the first done call, so no
// message counts as acknowledged: window publishes go through, the next
// one must block until its context ends, and after the release everything
// completes.
func TestJetStreamProducerWindowBlocksPublish(t *testing.T) {
	const topic, window = "bench.window", 8
	c := testJetStream(t, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := c.NewProducer(ctx, topic, window)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var acked sync.WaitGroup
	acked.Add(window + 1)
	for i := range window {
		err := p.Publish(ctx, jsIndexedBody(i), func(err error) {
			if i == 0 {
				<-release
			}
			if err != nil {
				t.Errorf("done(%d) = %v", i, err)
			}
			acked.Done()
		})
		if err != nil {
			t.Fatalf("Publish(%d) within the window: %v", i, err)
		}
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	err = p.Publish(short, jsIndexedBody(window), func(error) { t.Error("done called for a Publish that failed") })
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish beyond a full window = %v, want it to block until the deadline", err)
	}
	close(release)
	if err := p.Publish(ctx, jsIndexedBody(window), func(err error) {
		if err != nil {
			t.Errorf("done(%d) = %v", window, err)
		}
		acked.Done()
	}); err != nil {
		t.Fatalf("Publish after the window freed: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	acked.Wait() // Close returned, so every done ran
	if err := p.Publish(ctx, jsIndexedBody(0), func(error) {}); !errors.Is(err, ErrJetStreamProducerClosed) {
		t.Fatalf("Publish after Close = %v, want ErrJetStreamProducerClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestJetStreamConsumerReadsEveryMessageOnceFromTheStart(t *testing.T) {
	const topic, n = "bench.consume", 2000
	c := testJetStream(t, topic)
	jsPublishIndexed(t, c, topic, n, 64) // all stored before the consumer starts

	var (
		mu       sync.Mutex
		seen     = make([]int, n)
		next     int // the index expected next: the ordered consumer keeps order
		bad      []string
		received int
		closed   bool
	)
	all := make(chan struct{})
	deliver := func(body []byte) {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			bad = append(bad, "deliver called after Close")
			return
		}
		i := jsBodyIndex(body)
		if i < 0 || i >= n {
			bad = append(bad, "malformed body")
			return
		}
		if i != next {
			bad = append(bad, "out of order")
		}
		next = i + 1
		seen[i]++
		received++
		if received == n {
			close(all)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cons, err := c.NewConsumer(ctx, topic, "g1", deliver)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-all:
	case <-ctx.Done():
		cons.Close()
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("received %d of %d messages before the deadline", received, n)
	}
	if err := cons.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	closed = true
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Fatalf("%d bad deliveries, first: %s", len(bad), bad[0])
	}
	for i, k := range seen {
		if k != 1 {
			t.Fatalf("message %d delivered %d times", i, k)
		}
	}
	if err := cons.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestJetStreamCreateTopicIsIdempotentAndMapsNames(t *testing.T) {
	const topic = "bench.idem*>"
	if got := streamName(topic); got != "bench_idem__" {
		t.Fatalf("streamName(%q) = %q", topic, got)
	}
	c := testJetStream(t, "bench.idem")
	if c.Name() != "jetstream" {
		t.Fatalf("Name() = %q", c.Name())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.CreateTopic(ctx, "bench.idem"); err != nil {
		t.Fatalf("creating an existing topic: %v", err)
	}
}

// BenchmarkJetStreamPublish measures one producer with a window of 500
// (natscli's `nats bench js pub async`) against a default-sync server.
func BenchmarkJetStreamPublish(b *testing.B) {
	const topic, window = "bench.pub", 500
	c := testJetStream(b, topic)
	ctx := context.Background()
	p, err := c.NewProducer(ctx, topic, window)
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 1024)
	var failed atomic.Int64
	done := func(err error) {
		if err != nil {
			failed.Add(1)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	start := time.Now()
	for b.Loop() {
		if err := p.Publish(ctx, body, done); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d publishes failed", f)
	}
}
