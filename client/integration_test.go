package client

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// These tests run against the real broker: cmd/mqbroker built and started
// with --standalone (broker and NameServer in one process) on random ports
// in t.TempDir() (cluster_test.go).

func newIntegrationProducer(t *testing.T, ns string, opts ...ProducerOption) *Producer {
	t.Helper()
	p, err := NewProducer(append([]ProducerOption{WithNameServers(ns), WithProducerGroup("it-producer")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

func createTopic(t *testing.T, ns, topic string, queues int) {
	t.Helper()
	a, err := NewAdmin(WithNameServers(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.CreateTopic(ctx, TopicSpec{Topic: topic, Queues: queues}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "route of "+topic, func() bool {
		r, err := a.TopicRoute(ctx, topic)
		return err == nil && len(r.QueueDatas) > 0
	})
}

// pullAll reads every message of topic from offset 0 of every queue.
func pullAll(t *testing.T, c *PullConsumer, topic string) []*MessageExt {
	t.Helper()
	ctx := context.Background()
	qs, err := c.Queues(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []*MessageExt
	for _, mq := range qs {
		off := int64(0)
		for {
			res, err := c.Pull(ctx, mq, off, 32)
			if err != nil {
				t.Fatalf("pull %v@%d: %v", mq, off, err)
			}
			out = append(out, res.Messages...)
			if res.Status != PullFound || res.NextBeginOffset == off {
				break
			}
			off = res.NextBeginOffset
		}
	}
	return out
}

func newIntegrationPullConsumer(t *testing.T, ns, group string) *PullConsumer {
	t.Helper()
	c, err := NewPullConsumer(WithNameServers(ns), WithConsumerGroup(group))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown() })
	return c
}

func TestIntegrationEverySendMode(t *testing.T) {
	cl := startCluster(t)
	for _, codec := range []string{"rocketmq", "json"} {
		t.Run("codec="+codec, func(t *testing.T) {
			topic := "SendModes_" + codec
			createTopic(t, cl.ns, topic, 4)
			var opts []ProducerOption
			if codec == "json" {
				opts = append(opts, WithJSONHeaders())
			}
			p := newIntegrationProducer(t, cl.ns, opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			want := map[string]string{} // body -> UNIQ_KEY ("" when unknown)
			big := bytes.Repeat([]byte("z"), 10000)

			res, err := p.Send(ctx, &Message{Topic: topic, Body: []byte("sync"), Tags: "ta", Keys: []string{"k1", "k2"},
				Properties: map[string]string{"color": "red"}})
			if err != nil || res.Status != SendOK {
				t.Fatalf("sync send: %+v %v", res, err)
			}
			want["sync"] = res.MsgID.String()
			res, err = p.Send(ctx, &Message{Topic: topic, Body: big})
			if err != nil {
				t.Fatalf("compressed send: %v", err)
			}
			want[string(big)] = res.MsgID.String()

			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range 10 {
				body := fmt.Sprintf("async-%d", i)
				wg.Add(1)
				err := p.SendAsync(ctx, &Message{Topic: topic, Body: []byte(body)}, func(r SendResult, err error) {
					defer wg.Done()
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						t.Errorf("async %s: %v", body, err)
					}
					want[body] = r.MsgID.String()
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			wg.Wait()
			if err := p.SendOneway(ctx, &Message{Topic: topic, Body: []byte("oneway")}); err != nil {
				t.Fatal(err)
			}
			want["oneway"] = ""
			bres, ids, err := p.SendBatch(ctx, []*Message{{Topic: topic, Body: []byte("batch-0")}, {Topic: topic, Body: []byte("batch-1"), Tags: "tb"}})
			if err != nil || bres.Status != SendOK {
				t.Fatalf("batch: %+v %v", bres, err)
			}
			want["batch-0"], want["batch-1"] = ids[0].String(), ids[1].String()

			c := newIntegrationPullConsumer(t, cl.ns, "it-pull-"+codec)
			var got []*MessageExt
			eventually(t, 10*time.Second, "every message pulled", func() bool {
				got = pullAll(t, c, topic)
				return len(got) >= len(want)
			})
			if len(got) != len(want) {
				t.Fatalf("pulled %d messages, sent %d", len(got), len(want))
			}
			for _, m := range got {
				uniq, ok := want[string(m.Body)]
				if !ok {
					t.Fatalf("unexpected body %.20q", m.Body)
				}
				if uniq != "" && m.MsgID != uniq {
					t.Errorf("body %.20q: msgId %s, sent with %s", m.Body, m.MsgID, uniq)
				}
				if len(m.MsgID) != 32 {
					t.Errorf("body %.20q: msgId %q", m.Body, m.MsgID)
				}
				switch string(m.Body) {
				case "sync":
					if m.Tags != "ta" || !slices.Equal(m.Keys, []string{"k1", "k2"}) || m.Property("color") != "red" {
						t.Errorf("sync message lost tags/keys/props: %q %v %v", m.Tags, m.Keys, m.Properties)
					}
				case "batch-1":
					if m.Tags != "tb" {
						t.Errorf("batch member tag %q", m.Tags)
					}
				case string(big):
					if m.SysFlag&1 == 0 {
						t.Errorf("big body stored uncompressed (sysflag %#x)", m.SysFlag)
					}
				}
			}
		})
	}
}

func TestIntegrationSendAutoCreatesTopic(t *testing.T) {
	cl := startCluster(t)
	p := newIntegrationProducer(t, cl.ns)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Nobody created the topic: the producer goes through TBW102's route
	// and the broker creates it on the first message.
	for i := range 8 {
		res, err := p.Send(ctx, &Message{Topic: "NeverCreated", Body: []byte(fmt.Sprint(i))})
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if res.Queue.QueueID < 0 || res.Queue.QueueID >= 4 {
			t.Errorf("queue %d outside the 4 a producer asks for", res.Queue.QueueID)
		}
	}
	c := newIntegrationPullConsumer(t, cl.ns, "it-autocreate")
	eventually(t, 10*time.Second, "8 messages on the auto-created topic", func() bool {
		return len(pullAll(t, c, "NeverCreated")) == 8
	})
}

func TestIntegrationPullConsumerSeekAndOffsets(t *testing.T) {
	cl := startCluster(t)
	topic := "PullSeek"
	createTopic(t, cl.ns, topic, 2)
	p := newIntegrationProducer(t, cl.ns)
	c := newIntegrationPullConsumer(t, cl.ns, "it-seek")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	qs, err := c.Queues(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	mq := qs[1]
	before := time.Now()
	for i := range 10 {
		res, err := p.SendTo(ctx, &Message{Topic: topic, Body: []byte(fmt.Sprint(i)), Tags: []string{"even", "odd"}[i%2]}, mq)
		if err != nil || res.Queue != mq || res.QueueOffset != int64(i) {
			t.Fatalf("send %d: %+v %v", i, res, err)
		}
	}
	eventually(t, 10*time.Second, "max offset 10", func() bool {
		off, err := c.MaxOffset(ctx, mq)
		return err == nil && off == 10
	})
	if _, err := c.CommittedOffset(ctx, mq); err == nil {
		// A broker may answer 0 for a group that never committed (RocketMQ
		// does while the queue's first message is in memory).
		if off, _ := c.CommittedOffset(ctx, mq); off != 0 {
			t.Fatalf("fresh group has committed offset %d", off)
		}
	}
	res, err := c.PullNext(ctx, mq, 4)
	if err != nil || res.Status != PullFound || len(res.Messages) != 4 || string(res.Messages[0].Body) != "0" {
		t.Fatalf("first pull: %+v %v", res, err)
	}
	c.Seek(mq, 7)
	res, err = c.PullNext(ctx, mq, 32)
	if err != nil || len(res.Messages) != 3 || string(res.Messages[0].Body) != "7" || res.NextBeginOffset != 10 {
		t.Fatalf("after seek: %+v %v", res, err)
	}
	if pos, _ := c.Position(ctx, mq); pos != 10 {
		t.Errorf("position %d", pos)
	}
	res, err = c.PullNext(ctx, mq, 32)
	if err != nil || res.Status != PullNoNewMsg {
		t.Fatalf("at the end: %+v %v", res, err)
	}
	if err := c.CommitOffset(ctx, mq, 6); err != nil {
		t.Fatal(err)
	}
	if off, err := c.CommittedOffset(ctx, mq); err != nil || off != 6 {
		t.Fatalf("committed %d %v", off, err)
	}
	// Another consumer of the group starts from the committed offset.
	c2 := newIntegrationPullConsumer(t, cl.ns, "it-seek")
	res, err = c2.PullNext(ctx, mq, 1)
	if err != nil || len(res.Messages) != 1 || string(res.Messages[0].Body) != "6" {
		t.Fatalf("second consumer: %+v %v", res, err)
	}
	// Tag filtering.
	c2.Subscribe(topic, "odd")
	res, err = c2.Pull(ctx, mq, 0, 32)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Messages {
		if m.Tags != "odd" {
			t.Errorf("tag filter let %q through", m.Tags)
		}
	}
	if min, err := c.MinOffset(ctx, mq); err != nil || min != 0 {
		t.Errorf("min offset %d %v", min, err)
	}
	if off, err := c.OffsetForTime(ctx, mq, before.Add(-time.Hour)); err != nil || off != 0 {
		t.Errorf("offset for an old time: %d %v", off, err)
	}
}

// collector records what push consumers received.
type collector struct {
	mu   sync.Mutex
	got  map[string][]string // consumer -> bodies
	seen map[string]int      // body -> deliveries
}

func newCollector() *collector {
	return &collector{got: map[string][]string{}, seen: map[string]int{}}
}

func (c *collector) handler(name string) Handler {
	return func(_ context.Context, msgs []*MessageExt) ConsumeResult {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, m := range msgs {
			c.got[name] = append(c.got[name], string(m.Body))
			c.seen[string(m.Body)]++
		}
		return ConsumeSuccess
	}
}

func (c *collector) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got[name])
}

func (c *collector) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

func newIntegrationPushConsumer(t *testing.T, ns, group, instance, topic string, h Handler, opts ...ConsumerOption) *PushConsumer {
	t.Helper()
	all := append([]ConsumerOption{WithNameServers(ns), WithConsumerGroup(group), WithInstanceName(instance),
		WithConsumeFrom(ConsumeFromFirst, time.Time{}), WithIntervals(2*time.Second, time.Second),
		WithLongPolling(2*time.Second, 5*time.Second)}, opts...)
	c, err := NewPushConsumer(all...)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(topic, "*", h); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown() })
	return c
}

func sendN(t *testing.T, p *Producer, topic, prefix string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		if _, err := p.Send(ctx, &Message{Topic: topic, Body: []byte(fmt.Sprintf("%s-%d", prefix, i))}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
}

func TestIntegrationPushClusteringSharesQueues(t *testing.T) {
	cl := startCluster(t)
	topic := "Clustered"
	createTopic(t, cl.ns, topic, 8)
	col := newCollector()
	// Rebalance timers far beyond the test: the split and the takeover
	// below can only come from NOTIFY_CONSUMER_IDS_CHANGED.
	slow := WithIntervals(time.Hour, time.Second)
	c1 := newIntegrationPushConsumer(t, cl.ns, "it-cluster", "one", topic, col.handler("one"), slow)
	c2 := newIntegrationPushConsumer(t, cl.ns, "it-cluster", "two", topic, col.handler("two"), slow)
	eventually(t, 30*time.Second, "8 queues split 4/4", func() bool {
		a, b := c1.Assignment(topic), c2.Assignment(topic)
		if len(a) != 4 || len(b) != 4 {
			return false
		}
		for _, q := range a {
			if slices.Contains(b, q) {
				return false
			}
		}
		return true
	})
	// The split is RocketMQ's AVG over the sorted client ids.
	ids := []string{c1.ClientID(), c2.ClientID()}
	all := append(c1.Assignment(topic), c2.Assignment(topic)...)
	if !slices.Equal(AllocateAveragely(all, ids, c1.ClientID()), c1.Assignment(topic)) {
		t.Errorf("assignment of one %v is not AVG's", c1.Assignment(topic))
	}
	p := newIntegrationProducer(t, cl.ns)
	sendN(t, p, topic, "m", 200)
	eventually(t, 30*time.Second, "200 distinct messages consumed", func() bool { return col.distinct() == 200 })
	if col.count("one") == 0 || col.count("two") == 0 {
		t.Errorf("one consumer got nothing: one=%d two=%d", col.count("one"), col.count("two"))
	}
	if n := col.count("one") + col.count("two"); n != 200 {
		t.Errorf("%d deliveries for 200 messages", n)
	}
	// Consumer two leaves: one takes every queue.
	c2.Shutdown()
	eventually(t, 30*time.Second, "one owns all 8 queues", func() bool { return len(c1.Assignment(topic)) == 8 })
}

func TestIntegrationPushBroadcasting(t *testing.T) {
	cl := startCluster(t)
	topic := "Broadcast"
	createTopic(t, cl.ns, topic, 4)
	col := newCollector()
	dir := t.TempDir()
	for _, name := range []string{"one", "two"} {
		newIntegrationPushConsumer(t, cl.ns, "it-bcast", name, topic, col.handler(name),
			WithMessageModel(Broadcasting), WithOffsetDir(dir))
	}
	p := newIntegrationProducer(t, cl.ns)
	sendN(t, p, topic, "b", 50)
	eventually(t, 30*time.Second, "both consumers got all 50", func() bool {
		return col.count("one") >= 50 && col.count("two") >= 50
	})
	if col.distinct() != 50 {
		t.Errorf("distinct %d", col.distinct())
	}
}

func TestIntegrationOffsetsSurviveConsumerRestart(t *testing.T) {
	cl := startCluster(t)
	for _, model := range []MessageModel{Clustering, Broadcasting} {
		name := map[MessageModel]string{Clustering: "clustering", Broadcasting: "broadcasting"}[model]
		t.Run("model="+name, func(t *testing.T) {
			topic := "Restart_" + name
			group := "it-restart-" + name
			createTopic(t, cl.ns, topic, 4)
			dir := t.TempDir()
			opts := []ConsumerOption{WithMessageModel(model), WithOffsetDir(dir)}
			p := newIntegrationProducer(t, cl.ns)
			sendN(t, p, topic, "first", 40)
			col := newCollector()
			c := newIntegrationPushConsumer(t, cl.ns, group, "a", topic, col.handler("a"), opts...)
			eventually(t, 30*time.Second, "first 40 consumed", func() bool { return col.distinct() == 40 })
			if err := c.Shutdown(); err != nil {
				t.Logf("shutdown: %v", err)
			}
			sendN(t, p, topic, "second", 40)
			col2 := newCollector()
			newIntegrationPushConsumer(t, cl.ns, group, "a", topic, col2.handler("b"), opts...)
			eventually(t, 30*time.Second, "second 40 consumed", func() bool { return col2.distinct() >= 40 })
			col2.mu.Lock()
			defer col2.mu.Unlock()
			for body := range col2.seen {
				if strings.HasPrefix(body, "first-") {
					t.Fatalf("restarted consumer got %q again: offsets were not kept", body)
				}
			}
		})
	}
}

func TestIntegrationOrderlyKeepsKeyOrder(t *testing.T) {
	cl := startCluster(t)
	topic := "Orderly"
	createTopic(t, cl.ns, topic, 4)
	var mu sync.Mutex
	seq := map[string][]int{}
	h := func(_ context.Context, msgs []*MessageExt) ConsumeResult {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			var key string
			var n int
			fmt.Sscanf(string(m.Body), "%s %d", &key, &n)
			seq[key] = append(seq[key], n)
		}
		return ConsumeSuccess
	}
	newIntegrationPushConsumer(t, cl.ns, "it-orderly", "o", topic, h, WithOrderly())
	p := newIntegrationProducer(t, cl.ns, WithQueueSelector(HashSelector()))
	ctx := context.Background()
	keys := []string{"alpha", "bravo", "charlie", "delta", "echo"}
	for i := range 30 {
		for _, k := range keys {
			if _, err := p.Send(ctx, &Message{Topic: topic, ShardingKey: k, Body: []byte(fmt.Sprintf("%s %d", k, i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually(t, 30*time.Second, "150 ordered messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, s := range seq {
			n += len(s)
		}
		return n >= 150
	})
	mu.Lock()
	defer mu.Unlock()
	for k, s := range seq {
		for i, n := range s {
			if n != i {
				t.Fatalf("key %s out of order: %v", k, s)
			}
		}
	}
}

func TestIntegrationAdmin(t *testing.T) {
	cl := startCluster(t)
	topic := "AdminTopic"
	createTopic(t, cl.ns, topic, 3)
	a, err := NewAdmin(WithNameServers(cl.ns))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ci, err := a.ClusterInfo(ctx)
	if err != nil || len(ci.BrokerAddrTable) == 0 {
		t.Fatalf("cluster info %+v %v", ci, err)
	}
	r, err := a.TopicRoute(ctx, topic)
	if err != nil || len(r.QueueDatas) != 1 || r.QueueDatas[0].WriteQueueNums != 3 {
		t.Fatalf("route %+v %v", r, err)
	}
	p := newIntegrationProducer(t, cl.ns)
	sendN(t, p, topic, "a", 9)
	c := newIntegrationPullConsumer(t, cl.ns, "it-admin")
	qs, _ := c.Queues(ctx, topic)
	maxes := map[MessageQueue]int64{}
	eventually(t, 10*time.Second, "9 messages in the consume queues", func() bool {
		var sum int64
		for _, mq := range qs {
			maxes[mq], _ = c.MaxOffset(ctx, mq)
			sum += maxes[mq]
		}
		return sum == 9
	})
	for _, mq := range qs {
		if maxes[mq] == 0 {
			t.Fatalf("round robin left %v empty: %v", mq, maxes)
		}
		if err := c.CommitOffset(ctx, mq, maxes[mq]-1); err != nil {
			t.Fatal(err)
		}
	}
	prog, err := a.ConsumerProgress(ctx, "it-admin", topic)
	if err != nil || len(prog) != 3 {
		t.Fatalf("progress %+v %v", prog, err)
	}
	var total, lag int64
	for _, q := range prog {
		total += q.BrokerOffset
		lag += q.Lag
	}
	if total != 9 || lag != 3 {
		t.Errorf("progress total %d lag %d: %+v", total, lag, prog)
	}
}

func TestIntegrationRetryLaterRedelivers(t *testing.T) {
	cl := startCluster(t)
	topic := "RetryLater"
	createTopic(t, cl.ns, topic, 2)
	var mu sync.Mutex
	attempts := map[string][]int32{}
	h := func(_ context.Context, msgs []*MessageExt) ConsumeResult {
		mu.Lock()
		defer mu.Unlock()
		m := msgs[0]
		attempts[string(m.Body)] = append(attempts[string(m.Body)], m.ReconsumeTimes)
		if m.Topic != topic {
			t.Errorf("handler saw topic %q, want the original %q", m.Topic, topic)
		}
		if len(attempts[string(m.Body)]) < 2 {
			return ConsumeRetryLater
		}
		return ConsumeSuccess
	}
	newIntegrationPushConsumer(t, cl.ns, "it-retry", "r", topic, h)
	p := newIntegrationProducer(t, cl.ns)
	sendN(t, p, topic, "r", 3)
	eventually(t, 60*time.Second, "every message delivered twice", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range 3 {
			if len(attempts[fmt.Sprintf("r-%d", i)]) < 2 {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for body, a := range attempts {
		if a[0] != 0 || a[1] != 1 {
			t.Errorf("%s: reconsume times %v, want [0 1]", body, a)
		}
	}
}

func TestIntegrationFlowControlBoundsCachedMessages(t *testing.T) {
	cl := startCluster(t)
	topic := "FlowControl"
	createTopic(t, cl.ns, topic, 1)
	p := newIntegrationProducer(t, cl.ns)
	sendN(t, p, topic, "f", 100)
	release := make(chan struct{})
	var consumed sync.WaitGroup
	consumed.Add(100)
	h := func(ctx context.Context, msgs []*MessageExt) ConsumeResult {
		select {
		case <-release:
		case <-ctx.Done():
			return ConsumeRetryLater
		}
		consumed.Done()
		return ConsumeSuccess
	}
	const limit, batch = 8, 4
	c := newIntegrationPushConsumer(t, cl.ns, "it-flow", "f", topic, h,
		WithQueueCache(limit, 1<<20), WithPullBatchSize(batch), WithConsumeGoroutines(2))
	cached := func() int {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, pq := range c.mu.pqs {
			pq.mu.Lock()
			n := pq.mu.count
			pq.mu.Unlock()
			return n
		}
		return 0
	}
	eventually(t, 30*time.Second, "the cache to fill", func() bool { return cached() > limit })
	// Pulling stopped: the cache stays at most one batch past the limit.
	for range 20 {
		if n := cached(); n > limit+batch {
			t.Fatalf("%d messages cached, limit %d + batch %d", n, limit, batch)
		}
		time.Sleep(10 * time.Millisecond) // watching a bound hold over time
	}
	close(release)
	consumed.Wait()
}

// BenchmarkIntegrationSend measures synchronous sends to the real broker
// running in its own process, so the allocations reported are the client
// process's alone (the client's encoding allocates none; the rest is
// netpoll.Client's response frame and command).
func BenchmarkIntegrationSend(b *testing.B) {
	for _, size := range []int{128, 1024, 8 << 10} {
		b.Run("size="+itoaSize(size), func(b *testing.B) {
			cl := startCluster(b)
			p, err := NewProducer(WithNameServers(cl.ns))
			if err != nil {
				b.Fatal(err)
			}
			if err := p.Start(); err != nil {
				b.Fatal(err)
			}
			defer p.Shutdown()
			m := &Message{Topic: "BenchSend", Body: bytes.Repeat([]byte("b"), size), Tags: "t"}
			ctx := context.Background()
			for range 100 { // auto-creates the topic and warms the pools
				if _, err := p.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := p.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestIntegrationShutdownLeavesNoGoroutines(t *testing.T) {
	cl := startCluster(t)
	createTopic(t, cl.ns, "Leak", 4)
	base := runtime.NumGoroutine()
	p, err := NewProducer(WithNameServers(cl.ns))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	col := newCollector()
	var consumers []*PushConsumer
	for i, opt := range []ConsumerOption{WithOrderly(), WithMessageModel(Broadcasting), WithQueueCache(10, 1<<20)} {
		c, err := NewPushConsumer(WithNameServers(cl.ns), WithConsumerGroup(fmt.Sprintf("it-leak-%d", i)),
			WithConsumeFrom(ConsumeFromFirst, time.Time{}), WithOffsetDir(t.TempDir()), opt)
		if err != nil {
			t.Fatal(err)
		}
		c.Subscribe("Leak", "*", col.handler("x"))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		consumers = append(consumers, c)
	}
	pc := newIntegrationPullConsumer(t, cl.ns, "it-leak-pull")
	sendN(t, p, "Leak", "l", 20)
	eventually(t, 30*time.Second, "messages consumed", func() bool { return col.distinct() == 20 })
	if _, err := pc.Queues(context.Background(), "Leak"); err != nil {
		t.Fatal(err)
	}
	for _, c := range consumers {
		if err := c.Shutdown(); err != nil {
			t.Logf("shutdown: %v", err)
		}
	}
	p.Shutdown()
	pc.Shutdown()
	eventually(t, 10*time.Second, "goroutines back to the baseline", func() bool {
		return runtime.NumGoroutine() <= base
	})
}

// TestIntegrationOrderlyLocksMoveBetweenConsumers checks the queue locks
// of orderly consumption on the broker: a second consumer of the group can
// only take its share if the first unlocks the queues it gives up, and the
// locks of held queues are renewed.
func TestIntegrationOrderlyLocksMoveBetweenConsumers(t *testing.T) {
	cl := startCluster(t)
	topic := "OrderlyLocks"
	createTopic(t, cl.ns, topic, 4)
	col := newCollector()
	mk := func(name string) *PushConsumer {
		c, err := NewPushConsumer(WithNameServers(cl.ns), WithConsumerGroup("it-locks"), WithInstanceName(name),
			WithConsumeFrom(ConsumeFromFirst, time.Time{}), WithOrderly(), WithIntervals(time.Hour, time.Second))
		if err != nil {
			t.Fatal(err)
		}
		c.cfg.lockRenew = 200 * time.Millisecond
		c.Subscribe(topic, "*", col.handler(name))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Shutdown() })
		return c
	}
	c1 := mk("one")
	eventually(t, 10*time.Second, "one holds 4 queues", func() bool { return len(c1.Assignment(topic)) == 4 })
	lockedAt := func(c *PushConsumer) (oldest time.Time) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, pq := range c.mu.pqs {
			pq.mu.Lock()
			if oldest.IsZero() || pq.mu.lockedAt.Before(oldest) {
				oldest = pq.mu.lockedAt
			}
			pq.mu.Unlock()
		}
		return oldest
	}
	first := lockedAt(c1)
	eventually(t, 10*time.Second, "locks renewed", func() bool { return lockedAt(c1).After(first) })
	c2 := mk("two")
	eventually(t, 20*time.Second, "two took 2 queues after one released them", func() bool {
		return len(c2.Assignment(topic)) == 2 && len(c1.Assignment(topic)) == 2
	})
	p := newIntegrationProducer(t, cl.ns)
	sendN(t, p, topic, "o", 40)
	eventually(t, 20*time.Second, "40 messages", func() bool { return col.distinct() == 40 })
	if col.count("one") == 0 || col.count("two") == 0 {
		t.Errorf("one=%d two=%d", col.count("one"), col.count("two"))
	}
}

// BenchmarkIntegrationSendParallel measures synchronous sends from many
// goroutines at once (pipelined on one connection), with the latency of
// each recorded in a perf.Histogram and reported as p50/p99 metrics.
func BenchmarkIntegrationSendParallel(b *testing.B) {
	cl := startCluster(b)
	p, err := NewProducer(WithNameServers(cl.ns))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown()
	m := &Message{Topic: "BenchParallel", Body: bytes.Repeat([]byte("p"), 1024)}
	ctx := context.Background()
	for range 100 {
		if _, err := p.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	var mu sync.Mutex
	all := perf.NewHistogram(0)
	b.SetParallelism(16)
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Body)))
	b.RunParallel(func(pb *testing.PB) {
		h := perf.NewHistogram(0)
		for pb.Next() {
			start := time.Now()
			if _, err := p.Send(ctx, m); err != nil {
				b.Error(err)
				return
			}
			h.Record(time.Since(start))
		}
		mu.Lock()
		all.Merge(h)
		mu.Unlock()
	})
	b.ReportMetric(float64(all.Percentile(50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(all.Percentile(99).Microseconds()), "p99-µs")
}

// BenchmarkIntegrationSendAsync measures SendAsync throughput through the
// producer's async workers.
func BenchmarkIntegrationSendAsync(b *testing.B) {
	cl := startCluster(b)
	p, err := NewProducer(WithNameServers(cl.ns), WithAsyncWorkers(32, 4096))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown()
	m := &Message{Topic: "BenchAsync", Body: bytes.Repeat([]byte("a"), 1024)}
	ctx := context.Background()
	if _, err := p.Send(ctx, m); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	done := func(_ SendResult, err error) {
		if err != nil {
			b.Error(err)
		}
		wg.Done()
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Body)))
	for b.Loop() {
		wg.Add(1)
		if err := p.SendAsync(ctx, m, done); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
}

// BenchmarkIntegrationPushConsume measures end-to-end consumption: b.N
// messages are stored first, then one push consumer (concurrent, 20
// handler goroutines) takes them all; the time is the consumer's.
func BenchmarkIntegrationPushConsume(b *testing.B) {
	cl := startCluster(b)
	topic := fmt.Sprintf("BenchConsume%d", b.N)
	p, err := NewProducer(WithNameServers(cl.ns))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown()
	body := bytes.Repeat([]byte("c"), 1024)
	msgs := make([]*Message, 32)
	for i := range msgs {
		msgs[i] = &Message{Topic: topic, Body: body}
	}
	ctx := context.Background()
	for sent := 0; sent < b.N; sent += len(msgs) {
		if _, _, err := p.SendBatch(ctx, msgs[:min(len(msgs), b.N-sent)]); err != nil {
			b.Fatal(err)
		}
	}
	var done sync.WaitGroup
	done.Add(b.N)
	var count atomic.Int64
	h := func(_ context.Context, ms []*MessageExt) ConsumeResult {
		for range ms {
			if count.Add(1) <= int64(b.N) {
				done.Done()
			}
		}
		return ConsumeSuccess
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	c, err := NewPushConsumer(WithNameServers(cl.ns), WithConsumerGroup("bench-consume"),
		WithConsumeFrom(ConsumeFromFirst, time.Time{}))
	if err != nil {
		b.Fatal(err)
	}
	c.Subscribe(topic, "*", h)
	if err := c.Start(); err != nil {
		b.Fatal(err)
	}
	done.Wait()
	b.StopTimer()
	c.Shutdown()
}

func TestIntegrationPushTagExpression(t *testing.T) {
	cl := startCluster(t)
	topic := "PushTags"
	createTopic(t, cl.ns, topic, 2)
	col := newCollector()
	c, err := NewPushConsumer(WithNameServers(cl.ns), WithConsumerGroup("it-tags"),
		WithConsumeFrom(ConsumeFromFirst, time.Time{}), WithLongPolling(2*time.Second, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(topic, "a || c", col.handler("x")); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown() })
	p := newIntegrationProducer(t, cl.ns)
	ctx := context.Background()
	for i := range 30 {
		tag := []string{"a", "b", "c"}[i%3]
		if _, err := p.Send(ctx, &Message{Topic: topic, Tags: tag, Body: []byte(fmt.Sprintf("%s-%d", tag, i))}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 30*time.Second, "20 messages tagged a or c", func() bool { return col.distinct() >= 20 })
	col.mu.Lock()
	defer col.mu.Unlock()
	for b := range col.seen {
		if strings.HasPrefix(b, "b-") {
			t.Errorf("tag b delivered: %s", b)
		}
	}
	if len(col.seen) != 20 {
		t.Errorf("%d distinct, want 20", len(col.seen))
	}
}

func TestIntegrationDelayLevel(t *testing.T) {
	cl := startCluster(t) // delay levels are all 1 s in the test broker.conf
	topic := "Delayed"
	createTopic(t, cl.ns, topic, 1)
	var mu sync.Mutex
	var arrived time.Time
	h := func(_ context.Context, msgs []*MessageExt) ConsumeResult {
		mu.Lock()
		defer mu.Unlock()
		arrived = time.Now()
		return ConsumeSuccess
	}
	newIntegrationPushConsumer(t, cl.ns, "it-delay", "d", topic, h)
	p := newIntegrationProducer(t, cl.ns)
	sent := time.Now()
	if _, err := p.Send(context.Background(), &Message{Topic: topic, Body: []byte("later"), DelayLevel: 2}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the delayed message", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !arrived.IsZero()
	})
	mu.Lock()
	defer mu.Unlock()
	if d := arrived.Sub(sent); d < 900*time.Millisecond {
		t.Errorf("delivered after %v, before its 1 s delay", d)
	}
}

func TestIntegrationProducerRefreshesRoutes(t *testing.T) {
	cl := startCluster(t)
	topic := "Growing"
	createTopic(t, cl.ns, topic, 2)
	p, err := NewProducer(WithNameServers(cl.ns))
	if err != nil {
		t.Fatal(err)
	}
	p.cfg.routeRefresh = 100 * time.Millisecond
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	ctx := context.Background()
	if _, err := p.Send(ctx, &Message{Topic: topic, Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	createTopic(t, cl.ns, topic, 6) // the broker now has 6 queues
	eventually(t, 10*time.Second, "a send to one of the new queues", func() bool {
		res, err := p.Send(ctx, &Message{Topic: topic, Body: []byte("x")})
		return err == nil && res.Queue.QueueID >= 2
	})
}
