package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fastmq/fastmq/client"
)

// The checks below hold for every Client (target.go's contract); each
// client's test file runs them against a real standalone broker.

// testBody returns a bodyBytes-long body that starts with its index.
func testBody(i, bodyBytes int) []byte {
	b := fmt.Appendf(make([]byte, 0, bodyBytes), "%08d:", i)
	for len(b) < bodyBytes {
		b = append(b, byte('a'+i%26))
	}
	return b
}

// waitFor polls cond every 10 ms until it holds or timeout passes, then
// fails with what.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkPublishAll publishes n indexed bodies through a producer with the
// given window and returns them. It fails unless every done(nil) has run
// by the time Close returns and the messages in flight (Publish returned,
// done not yet run) never exceeded window.
func checkPublishAll(t *testing.T, c Client, topic string, n, window int) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := c.NewProducer(ctx, topic, window)
	if err != nil {
		t.Fatal(err)
	}
	var inFlight, maxInFlight, acked atomic.Int64
	var errMu sync.Mutex
	var sendErrs []error
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = testBody(i, 1024)
		err := p.Publish(ctx, bodies[i], func(err error) {
			inFlight.Add(-1)
			if err != nil {
				errMu.Lock()
				sendErrs = append(sendErrs, err)
				errMu.Unlock()
			}
			acked.Add(1)
		})
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		now := inFlight.Add(1)
		for m := maxInFlight.Load(); now > m && !maxInFlight.CompareAndSwap(m, now); m = maxInFlight.Load() {
		}
	}
	if err := p.Close(); err != nil {
		t.Fatalf("producer Close: %v", err)
	}
	if got := acked.Load(); got != int64(n) {
		t.Fatalf("Close returned with %d of %d done calls made", got, n)
	}
	if len(sendErrs) > 0 {
		t.Fatalf("%d sends failed, first: %v", len(sendErrs), sendErrs[0])
	}
	if m := maxInFlight.Load(); m > int64(window) {
		t.Fatalf("%d messages in flight with window %d", m, window)
	}
	if err := p.Publish(ctx, bodies[0], func(error) { t.Error("done called for a Publish after Close") }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close = %v, want ErrClosed", err)
	}
	return bodies
}

// checkConsumeAll consumes topic from its start in a new group and fails
// unless every body of sent arrives exactly once and deliver is not called
// after Close returned.
func checkConsumeAll(t *testing.T, c Client, topic, group string, sent [][]byte) {
	t.Helper()
	var mu sync.Mutex
	got := make(map[string]int, len(sent))
	var closed, lateCalls atomic.Int64
	deliver := func(body []byte) {
		if closed.Load() != 0 {
			lateCalls.Add(1)
		}
		mu.Lock()
		got[string(body)]++
		mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cons, err := c.NewConsumer(ctx, topic, group, deliver)
	if err != nil {
		t.Fatal(err)
	}
	distinct := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(got)
	}
	waitFor(t, 20*time.Second, fmt.Sprintf("%d distinct bodies", len(sent)), func() bool { return distinct() >= len(sent) })
	if err := cons.Close(); err != nil {
		t.Errorf("consumer Close: %v", err)
	}
	closed.Store(1)
	mu.Lock()
	defer mu.Unlock()
	for i, b := range sent {
		if k := got[string(b)]; k != 1 {
			t.Errorf("body %d delivered %d times", i, k)
		}
	}
	if len(got) != len(sent) {
		t.Errorf("%d distinct bodies delivered, %d sent", len(got), len(sent))
	}
	if n := lateCalls.Load(); n > 0 {
		t.Errorf("deliver called %d times after Close returned", n)
	}
}

// checkWindowBlocks holds the only slot of a window-1 producer by
// blocking its done call, and fails unless Publish then refuses with the
// ctx's error (never calling done), and succeeds once the slot is free.
func checkWindowBlocks(t *testing.T, c Client, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := c.NewProducer(ctx, topic, 1)
	if err != nil {
		t.Fatal(err)
	}
	acked, release := make(chan error, 1), make(chan struct{})
	if err := p.Publish(ctx, testBody(0, 64), func(err error) { acked <- err; <-release }); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-acked:
		if err != nil {
			t.Fatalf("first send: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("first send never acknowledged")
	}
	// The first message's done is still running: the window is full.
	cancelled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	noDone := func(error) { t.Error("done called for a refused Publish") }
	if err := p.Publish(cancelled, testBody(1, 64), noDone); !errors.Is(err, context.Canceled) {
		t.Fatalf("Publish with the window full and ctx cancelled = %v, want context.Canceled", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if err := p.Publish(short, testBody(2, 64), noDone); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish with the window full until ctx's deadline = %v, want context.DeadlineExceeded", err)
	}
	close(release)
	done := make(chan error, 1)
	if err := p.Publish(cancelled, testBody(3, 64), func(err error) { done <- err }); err != nil {
		// A free slot wins over an ended ctx; the slot frees right after
		// the first done returns, so retry with a live ctx if it lost.
		if err := p.Publish(ctx, testBody(3, 64), func(err error) { done <- err }); err != nil {
			t.Fatalf("Publish once the window has room: %v", err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("send after the window freed: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkClientRoundTrip runs the checks above on a fresh topic.
func checkClientRoundTrip(t *testing.T, c Client, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.CreateTopic(ctx, topic); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic(ctx, topic); err != nil {
		t.Fatalf("creating an existing topic: %v", err)
	}
	sent := checkPublishAll(t, c, topic, 2000, 64)
	checkConsumeAll(t, c, topic, topic+"-group", sent)
}

// checkStalledBrokerFailsSend freezes the broker (SIGSTOP) while a
// message is in flight and fails unless its done reports an error once the
// client gives up, Close returns after it, and the test process is still
// alive (the official client v2.1.2 dereferences the missing response
// right after calling back with a timeout).
func checkStalledBrokerFailsSend(t *testing.T, c Client, b *Broker, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := c.CreateTopic(ctx, topic); err != nil {
		t.Fatal(err)
	}
	p, err := c.NewProducer(ctx, topic, 4)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	if err := p.Publish(ctx, testBody(0, 64), func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("send before the stall: %v", err)
	}
	if err := syscall.Kill(b.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// kill returns before every thread has stopped; a thread still running
	// could answer the next send.
	waitFor(t, 10*time.Second, "every broker thread stopped", func() bool { return allThreadsStopped(b.Pid()) })
	stalled := time.Now()
	resume := func() { syscall.Kill(b.Pid(), syscall.SIGCONT) }
	t.Cleanup(resume) // runs before testBroker's Stop
	if err := p.Publish(ctx, testBody(1, 64), func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("send to a stopped broker acknowledged")
		}
		t.Logf("send to a stopped broker: %v (after %v)", err, time.Since(stalled).Round(time.Millisecond))
	case <-ctx.Done():
		t.Fatal("no done call for a send to a stopped broker")
	}
	resume()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func newTestFastmqClient(t *testing.T) (Client, *Broker) {
	t.Helper()
	b := testBroker(t, AsyncFlush)
	c, err := NewFastmqClient(b.NameServer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, b
}

func TestFastmqPublishesAndConsumesEveryBodyOnce(t *testing.T) {
	c, _ := newTestFastmqClient(t)
	if c.Name() != "fastmq" {
		t.Fatalf("Name() = %q", c.Name())
	}
	checkClientRoundTrip(t, c, "BenchFastmqRoundTrip")
}

func TestFastmqPublishBlocksAtWindow(t *testing.T) {
	c, _ := newTestFastmqClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.CreateTopic(ctx, "BenchFastmqWindow"); err != nil {
		t.Fatal(err)
	}
	checkWindowBlocks(t, c, "BenchFastmqWindow")
}

func TestFastmqStalledBrokerFailsSend(t *testing.T) {
	c, b := newTestFastmqClient(t)
	// Each attempt and each route refresh between attempts waits out the
	// request timeout (3 attempts, 2 refreshes from the stalled
	// standalone NameServer): 15 s by default, 5 s with 1 s.
	c.(*fastmqClient).producerOpts = []client.ProducerOption{client.WithRequestTimeout(time.Second)}
	checkStalledBrokerFailsSend(t, c, b, "BenchFastmqStall")
}

// benchmarkPublish publishes 1 KiB bodies through c with each window
// size, against the broker c talks to; every message must be
// acknowledged.
func benchmarkPublish(b *testing.B, c Client, topic string) {
	ctx := context.Background()
	if err := c.CreateTopic(ctx, topic); err != nil {
		b.Fatal(err)
	}
	body := testBody(0, 1024)
	for _, window := range []int{1, 64, 1024} {
		b.Run(fmt.Sprintf("window=%d", window), func(b *testing.B) {
			p, err := c.NewProducer(ctx, topic, window)
			if err != nil {
				b.Fatal(err)
			}
			var failed atomic.Int64
			done := func(err error) {
				if err != nil {
					failed.Add(1)
				}
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := p.Publish(ctx, body, done); err != nil {
					b.Fatal(err)
				}
			}
			if err := p.Close(); err != nil {
				b.Fatal(err)
			}
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d sends failed", n)
			}
		})
	}
}

func BenchmarkFastmqPublish(b *testing.B) {
	br := testBroker(b, AsyncFlush)
	c, err := NewFastmqClient(br.NameServer)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	benchmarkPublish(b, c, "BenchFastmqPublish")
}

// allThreadsStopped reports whether every thread of pid is in the stopped
// state (T) according to /proc.
func allThreadsStopped(pid int) bool {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			return false
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+2 >= len(b) || (b[i+2] != 'T' && b[i+2] != 't') {
			return false
		}
	}
	return true
}
