package client

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

func startFakeProducer(t testing.TB, opts ...ProducerOption) (*Producer, *fakeBroker, *fakeBroker) {
	t.Helper()
	a, b := startFakeBroker(t, "broker-a"), startFakeBroker(t, "broker-b")
	ns := startFakeNameServer(t, a, b)
	p, err := NewProducer(append([]ProducerOption{WithNameServers(ns.Addr())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p, a, b
}

func TestProducerSendModesAgainstFakeBrokers(t *testing.T) {
	p, a, b := startFakeProducer(t)
	ctx := context.Background()
	res, err := p.Send(ctx, &Message{Topic: "T", Body: []byte("sync"), Tags: "x"})
	if err != nil || res.Status != SendOK || res.MsgID.String() == "" || res.OffsetMsgID == "" {
		t.Fatalf("sync: %+v %v", res, err)
	}
	var wg sync.WaitGroup
	var asyncErr error
	var mu sync.Mutex
	for range 20 {
		wg.Add(1)
		if err := p.SendAsync(ctx, &Message{Topic: "T", Body: []byte("async")}, func(r SendResult, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				asyncErr = err
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if asyncErr != nil {
		t.Fatal(asyncErr)
	}
	if err := p.SendOneway(ctx, &Message{Topic: "T", Body: []byte("oneway")}); err != nil {
		t.Fatal(err)
	}
	msgs := []*Message{{Topic: "T", Body: []byte("b1")}, {Topic: "T", Body: []byte("b2"), Keys: []string{"k"}}}
	bres, ids, err := p.SendBatch(ctx, msgs)
	if err != nil || len(ids) != 2 || bres.MsgID != ids[0] || ids[0] == ids[1] {
		t.Fatalf("batch: %+v %v %v", bres, ids, err)
	}
	eventually(t, 5*time.Second, "23 sends at the brokers", func() bool {
		return len(a.received())+len(b.received()) == 1+20+1+1
	})
	var batch, oneway int
	for _, s := range append(a.received(), b.received()...) {
		if s.code == protocol.ReqSendBatchMessage {
			batch++
			if !s.header.Batch {
				t.Errorf("batch header without batch=true")
			}
		}
		if string(s.body) == "oneway" {
			oneway++
		}
	}
	if batch != 1 || oneway != 1 {
		t.Fatalf("batch %d oneway %d", batch, oneway)
	}
	if len(a.received()) == 0 || len(b.received()) == 0 {
		t.Errorf("round robin used one broker only: a=%d b=%d", len(a.received()), len(b.received()))
	}
}

func TestProducerRetriesOnAnotherBroker(t *testing.T) {
	p, a, b := startFakeProducer(t, WithRetryTimes(2))
	a.failCode.Store(int32(protocol.RespSystemError)) // retriable
	ctx := context.Background()
	for i := range 10 {
		res, err := p.Send(ctx, &Message{Topic: "T", Body: []byte("m")})
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if res.Queue.BrokerName != "broker-b" {
			t.Fatalf("send %d stored on %s", i, res.Queue.BrokerName)
		}
	}
	if n := len(b.received()); n != 10 {
		t.Errorf("broker-b stored %d, want 10", n)
	}
	// With a set aside after its failures, sends go straight to b: fewer
	// failed attempts than sends.
	if !p.fault.available("broker-b") || p.fault.available("broker-a") {
		t.Errorf("fault table: a available %v, b available %v", p.fault.available("broker-a"), p.fault.available("broker-b"))
	}
}

func TestProducerDoesNotRetryNonRetriableCodes(t *testing.T) {
	p, a, b := startFakeProducer(t, WithFaultAvoidance(false))
	a.failCode.Store(int32(protocol.RespMessageIllegal))
	b.failCode.Store(int32(protocol.RespMessageIllegal))
	_, err := p.Send(context.Background(), &Message{Topic: "T", Body: []byte("m")})
	var be *BrokerError
	if !errors.As(err, &be) || be.Code != protocol.RespMessageIllegal {
		t.Fatalf("err %v", err)
	}
}

func TestProducerFailsWhenEveryAttemptFails(t *testing.T) {
	p, a, b := startFakeProducer(t, WithRetryTimes(3))
	a.failCode.Store(int32(protocol.RespServiceNotAvailable))
	b.failCode.Store(int32(protocol.RespServiceNotAvailable))
	_, err := p.Send(context.Background(), &Message{Topic: "T", Body: []byte("m")})
	var be *BrokerError
	if !errors.As(err, &be) || be.Code != protocol.RespServiceNotAvailable {
		t.Fatalf("err %v", err)
	}
}

func TestProducerHashSelectorKeepsKeyOnOneQueue(t *testing.T) {
	p, _, _ := startFakeProducer(t, WithQueueSelector(HashSelector()))
	var first MessageQueue
	for i := range 10 {
		res, err := p.Send(context.Background(), &Message{Topic: "T", Body: []byte("o"), ShardingKey: "order-42"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = res.Queue
		} else if res.Queue != first {
			t.Fatalf("key moved from %v to %v", first, res.Queue)
		}
	}
}

func TestProducerRefusesBadMessagesAndUseAfterShutdown(t *testing.T) {
	p, _, _ := startFakeProducer(t, WithMaxMessageBytes(10))
	ctx := context.Background()
	if _, err := p.Send(ctx, &Message{Topic: "T", Body: make([]byte, 11)}); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("big: %v", err)
	}
	if _, err := p.Send(ctx, &Message{Topic: "bad topic!", Body: []byte("x")}); !errors.Is(err, ErrInvalidTopic) {
		t.Errorf("topic: %v", err)
	}
	if _, err := p.Send(ctx, &Message{Topic: "T", Keys: []string{"a\x02b"}}); !errors.Is(err, ErrInvalidProperty) {
		t.Errorf("key with a separator: %v", err)
	}
	if _, err := p.SendTo(ctx, &Message{Topic: "T"}, MessageQueue{Topic: "T", BrokerName: "nope", QueueID: 0}); !errors.Is(err, ErrNoQueue) {
		t.Errorf("SendTo an unknown queue: %v", err)
	}
	if _, _, err := p.SendBatch(ctx, nil); !errors.Is(err, ErrEmptyBatch) {
		t.Errorf("empty batch: %v", err)
	}
	if _, _, err := p.SendBatch(ctx, []*Message{{Topic: "A"}, {Topic: "B"}}); !errors.Is(err, ErrBatchTopics) {
		t.Errorf("mixed batch: %v", err)
	}
	p.Shutdown()
	if _, err := p.Send(ctx, &Message{Topic: "T"}); !errors.Is(err, ErrClosed) {
		t.Errorf("after shutdown: %v", err)
	}
	if err := p.SendAsync(ctx, &Message{Topic: "T"}, func(SendResult, error) {}); !errors.Is(err, ErrClosed) {
		t.Errorf("async after shutdown: %v", err)
	}
}

// BenchmarkProducerSendFake measures a whole synchronous send against the
// in-process fake broker: the client's encoding plus netpoll's round trip.
func BenchmarkProducerSendFake(b *testing.B) {
	p, _, _ := startFakeProducer(b, WithFaultAvoidance(true))
	m := &Message{Topic: "T", Body: make([]byte, 1024), Tags: "tag"}
	ctx := context.Background()
	if _, err := p.Send(ctx, m); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Body)))
	for b.Loop() {
		if _, err := p.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendEncode measures the client's part of a send alone.
func BenchmarkSendEncode(b *testing.B) {
	for _, size := range []int{128, 1024, 16 << 10} {
		b.Run("size="+itoaSize(size), func(b *testing.B) {
			p := newTestProducer(b)
			m := &Message{Topic: "T", Body: make([]byte, size), Tags: "tag", Keys: []string{"k"}}
			mq := MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1}
			var frame []byte
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				buf := p.getBuf()
				now := p.cfg.clock()
				id := p.uniq.Next(now)
				p.encodeMessage(buf, m, id[:])
				p.fillSendCommand(buf, m, mq, now)
				frame = buf.cmd.AppendFrame(frame[:0])
				p.bufs.Put(buf)
			}
		})
	}
}

func itoaSize(n int) string {
	if n >= 1024 {
		return itoa10(n/1024) + "KiB"
	}
	return itoa10(n) + "B"
}

func itoa10(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa10(n/10) + string(rune('0'+n%10))
}
