package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// TestProducerSendAsyncManyInFlight pipelines 5,000 SendAsync calls from
// four goroutines through at most 256 in flight against the real broker:
// each done runs exactly once, successfully, every message gets its own
// offset, and the number in flight never passes the limit.
func TestProducerSendAsyncManyInFlight(t *testing.T) {
	const (
		senders = 4
		each    = 1250
		limit   = 256
	)
	cl := startCluster(t)
	topic := "AsyncMany"
	createTopic(t, cl.ns, topic, 4)
	p := newIntegrationProducer(t, cl.ns, WithAsyncWorkers(1, limit))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var (
		mu       sync.Mutex
		calls    = make(map[string]int) // body -> done calls
		offsets  = make(map[string]string)
		firstErr error
		inFlight atomic.Int32
		maxSeen  atomic.Int32
		all      sync.WaitGroup
	)
	var senderWG sync.WaitGroup
	for s := range senders {
		senderWG.Add(1)
		go func() {
			defer senderWG.Done()
			for i := range each {
				body := fmt.Sprintf("%d-%d", s, i)
				n := inFlight.Add(1)
				for {
					old := maxSeen.Load()
					if n <= old || maxSeen.CompareAndSwap(old, n) {
						break
					}
				}
				all.Add(1)
				err := p.SendAsync(ctx, &Message{Topic: topic, Body: []byte(body)}, func(r SendResult, err error) {
					defer all.Done()
					inFlight.Add(-1)
					mu.Lock()
					defer mu.Unlock()
					calls[body]++
					if err != nil {
						if firstErr == nil {
							firstErr = err
						}
						return
					}
					key := fmt.Sprintf("%s/%d/%d", r.Queue.BrokerName, r.Queue.QueueID, r.QueueOffset)
					if other, dup := offsets[key]; dup {
						t.Errorf("%s and %s both stored at %s", other, body, key)
					}
					offsets[key] = body
				})
				if err != nil {
					inFlight.Add(-1)
					all.Done()
					t.Errorf("SendAsync %s: %v", body, err)
					return
				}
			}
		}()
	}
	senderWG.Wait()
	all.Wait()
	mu.Lock()
	defer mu.Unlock()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	if len(calls) != senders*each || len(offsets) != senders*each {
		t.Fatalf("%d messages completed, %d offsets, want %d", len(calls), len(offsets), senders*each)
	}
	for body, n := range calls {
		if n != 1 {
			t.Fatalf("%s: done ran %d times", body, n)
		}
	}
	// Each sender counts its message before SendAsync takes a slot.
	if m := maxSeen.Load(); m > limit+senders {
		t.Fatalf("%d sends in flight, limit %d", m, limit)
	}
}

// TestProducerSendAsyncRetriesOnAnotherBroker: broker-a answers a
// retriable code; every SendAsync still succeeds, stored on broker-b.
func TestProducerSendAsyncRetriesOnAnotherBroker(t *testing.T) {
	p, a, b := startFakeProducer(t, WithRetryTimes(2), WithFaultAvoidance(false))
	a.failCode.Store(int32(protocol.RespSystemError))
	results := make(chan error, 40)
	const n = 20
	for range n {
		err := p.SendAsync(context.Background(), &Message{Topic: "T", Body: []byte("m")}, func(r SendResult, err error) {
			if err == nil && r.Queue.BrokerName != "broker-b" {
				err = fmt.Errorf("stored on %s", r.Queue.BrokerName)
			}
			results <- err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		if err := recvWithin(t, results); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(b.received()); got != n {
		t.Fatalf("broker-b stored %d, want %d", got, n)
	}
	p.Shutdown()
	if len(results) != 0 {
		t.Fatalf("%d extra done calls", len(results))
	}
}

// TestProducerSendAsyncReportsFinalFailure: a non-retriable answer goes
// to done once, as the broker's error, without retries.
func TestProducerSendAsyncReportsFinalFailure(t *testing.T) {
	p, a, b := startFakeProducer(t, WithRetryTimes(2))
	a.failCode.Store(int32(protocol.RespMessageIllegal))
	b.failCode.Store(int32(protocol.RespMessageIllegal))
	results := make(chan error, 2)
	err := p.SendAsync(context.Background(), &Message{Topic: "T", Body: []byte("m")}, func(_ SendResult, err error) {
		results <- err
	})
	if err != nil {
		t.Fatal(err)
	}
	var be *BrokerError
	if err := recvWithin(t, results); !errors.As(err, &be) || be.Code != protocol.RespMessageIllegal {
		t.Fatalf("err %v, want MESSAGE_ILLEGAL", err)
	}
	p.Shutdown()
	if len(results) != 0 {
		t.Fatal("done ran twice")
	}
}

// holdingBroker answers heartbeats and hands every send to the test,
// which answers (or drops the connection) when it likes.
type holdingBroker struct {
	*fakeBroker
	held chan heldSend
}

type heldSend struct {
	conn *netpoll.Conn
	to   netpoll.ReplyTo
	req  *protocol.Command
}

func startHoldingBroker(t *testing.T, name string) *holdingBroker {
	t.Helper()
	hb := &holdingBroker{held: make(chan heldSend, 64)}
	srv, err := netpoll.NewServer(netpoll.Config{Addr: "127.0.0.1:0", NumEventLoops: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle(protocol.ReqSendMessage, func(c *netpoll.Conn, req *protocol.Command) {
		hb.held <- heldSend{conn: c, to: c.Defer(req), req: req.Clone()}
	})
	srv.Handle(protocol.ReqHeartBeat, func(c *netpoll.Conn, req *protocol.Command) {
		c.Reply(req, protocol.NewResponse(protocol.RespSuccess, ""))
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hb.fakeBroker = &fakeBroker{name: name, srv: srv}
	return hb
}

// reply answers h as a successful send at offset off.
func (h heldSend) reply(t *testing.T, off int64) {
	t.Helper()
	var rh protocol.SendMessageRequestHeader
	if err := rh.Decode(h.req); err != nil {
		t.Fatal(err)
	}
	resp := protocol.NewResponse(protocol.RespSuccess, "")
	(&protocol.SendMessageResponseHeader{MsgID: "0A000001000027110000000000000000", QueueID: rh.QueueID, QueueOffset: off}).Encode(resp)
	if err := h.to.Reply(resp); err != nil {
		t.Fatal(err)
	}
}

func startHoldingProducer(t *testing.T, opts ...ProducerOption) (*Producer, *holdingBroker) {
	t.Helper()
	hb := startHoldingBroker(t, "broker-h")
	ns := startFakeNameServer(t, hb.fakeBroker)
	p, err := NewProducer(append([]ProducerOption{WithNameServers(ns.Addr()), WithRequestTimeout(time.Minute)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p, hb
}

// TestProducerSendAsyncConnectionDiesMidFlight: the broker drops the
// connection with sends in flight. Without retries each done runs once
// with the connection error; with retries each is resent on a new
// connection and done runs once with its success.
func TestProducerSendAsyncConnectionDiesMidFlight(t *testing.T) {
	for _, retries := range []int{0, 2} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			p, hb := startHoldingProducer(t, WithRetryTimes(retries))
			const n = 5
			var mu sync.Mutex
			counts := make(map[int]int)
			results := make(chan error, 2*n)
			for i := range n {
				err := p.SendAsync(context.Background(), &Message{Topic: "T", Body: []byte("m")}, func(_ SendResult, err error) {
					mu.Lock()
					counts[i]++
					mu.Unlock()
					results <- err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			var conn *netpoll.Conn
			for range n {
				conn = recvWithin(t, hb.held).conn
			}
			_ = conn.Close()
			if retries > 0 {
				for i := range n {
					recvWithin(t, hb.held).reply(t, int64(i))
				}
			}
			for range n {
				err := recvWithin(t, results)
				switch {
				case retries == 0 && !errors.Is(err, netpoll.ErrConnClosed):
					t.Fatalf("err %v, want ErrConnClosed", err)
				case retries > 0 && err != nil:
					t.Fatalf("retried send: %v", err)
				}
			}
			p.Shutdown() // every done has returned once Shutdown does
			mu.Lock()
			defer mu.Unlock()
			for i := range n {
				if counts[i] != 1 {
					t.Fatalf("send %d: done ran %d times", i, counts[i])
				}
			}
		})
	}
}

// TestProducerShutdownWaitsForAsyncSends: Shutdown refuses new sends at
// once but returns only after the sends in flight ran their done.
func TestProducerShutdownWaitsForAsyncSends(t *testing.T) {
	p, hb := startHoldingProducer(t)
	const n = 3
	var finished atomic.Int32
	for range n {
		err := p.SendAsync(context.Background(), &Message{Topic: "T", Body: []byte("m")}, func(_ SendResult, err error) {
			if err != nil {
				t.Errorf("send: %v", err)
			}
			finished.Add(1)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	held := make([]heldSend, n)
	for i := range held {
		held[i] = recvWithin(t, hb.held)
	}
	shutDown := make(chan int32, 1)
	go func() {
		p.Shutdown()
		shutDown <- finished.Load()
	}()
	eventually(t, 5*time.Second, "Shutdown to start", func() bool { return p.state.Load() == stateClosed })
	err := p.SendAsync(context.Background(), &Message{Topic: "T"}, func(SendResult, error) {
		t.Error("done of a refused send ran")
	})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("SendAsync during Shutdown: %v, want ErrClosed", err)
	}
	select {
	case <-shutDown:
		t.Fatal("Shutdown returned with sends in flight")
	default:
	}
	for i, h := range held {
		h.reply(t, int64(i))
	}
	if got := recvWithin(t, shutDown); got != n {
		t.Fatalf("Shutdown returned after %d of %d done calls", got, n)
	}
}

// TestProducerSendAsyncWaitsForRoom: with the limit reached, SendAsync
// waits until its context ends and fails with ErrAsyncQueueFull.
func TestProducerSendAsyncWaitsForRoom(t *testing.T) {
	p, hb := startHoldingProducer(t, WithAsyncWorkers(1, 1))
	done := make(chan error, 1)
	if err := p.SendAsync(context.Background(), &Message{Topic: "T", Body: []byte("m")}, func(_ SendResult, err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	h := recvWithin(t, hb.held)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := p.SendAsync(ctx, &Message{Topic: "T", Body: []byte("m")}, func(SendResult, error) { t.Error("refused send completed") })
	if !errors.Is(err, ErrAsyncQueueFull) {
		t.Fatalf("err %v, want ErrAsyncQueueFull", err)
	}
	h.reply(t, 0)
	if err := recvWithin(t, done); err != nil {
		t.Fatal(err)
	}
}

// recvWithin receives from ch or fails the test after 10 s.
func recvWithin[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting")
		var zero T
		return zero
	}
}
