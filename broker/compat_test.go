package broker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

func newProducer(t testing.TB, ns string, opts ...producer.Option) interface {
	SendSync(context.Context, ...*primitive.Message) (*primitive.SendResult, error)
	SendAsync(context.Context, func(context.Context, *primitive.SendResult, error), ...*primitive.Message) error
	SendOneWay(context.Context, ...*primitive.Message) error
	Shutdown() error
} {
	t.Helper()
	opts = append([]producer.Option{producer.WithNameServer(primitive.NamesrvAddr{ns}), producer.WithGroupName("pg"),
		producer.WithRetry(2), producer.WithSendMsgTimeout(10 * time.Second)}, opts...)
	p, err := producer.NewDefaultProducer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

// TestSyncSendAndPushConsume sends with the official client and receives
// every message once with its push consumer.
func TestSyncSendAndPushConsume(t *testing.T) {
	ns := startNamesrv(t)
	startBroker(t, testConfig(t.TempDir(), ns))
	p := newProducer(t, ns)
	const n = 50
	for i := 0; i < n; i++ {
		msg := primitive.NewMessage("TopicA", []byte(fmt.Sprintf("m-%d", i))).WithTag("TagA").WithKeys([]string{fmt.Sprintf("k%d", i)})
		res, err := p.SendSync(context.Background(), msg)
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if res.Status != primitive.SendOK || res.OffsetMsgID == "" {
			t.Fatalf("send %d: %+v", i, res)
		}
	}
	var mu sync.Mutex
	got := map[string]int{}
	c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{ns}), consumer.WithGroupName("cg"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Subscribe("TopicA", consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			got[string(m.Body)]++
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()
	waitFor(t, 60*time.Second, "all messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == n
	})
}

// consumeAll starts a push consumer on topic with expr and records every
// body it gets (with counts, to catch duplicates).
type received struct {
	mu   sync.Mutex
	got  map[string]int
	tags map[string]string
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *received) dups() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.got {
		n += c - 1
	}
	return n
}

func startConsumer(t testing.TB, ns, group, instance, topic, expr string, r *received) func() {
	t.Helper()
	c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{ns}), consumer.WithGroupName(group),
		consumer.WithInstance(instance), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		t.Fatal(err)
	}
	sel := consumer.MessageSelector{}
	if expr != "" {
		sel = consumer.MessageSelector{Type: consumer.TAG, Expression: expr}
	}
	err = c.Subscribe(topic, sel, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, m := range msgs {
			r.got[string(m.Body)]++
			if r.tags != nil {
				r.tags[string(m.Body)] = m.GetTags()
			}
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() { once.Do(func() { c.Shutdown() }) }
	t.Cleanup(stop)
	return stop
}

// TestSendModesAndTagFilter covers sync, async, oneway and batch sends with
// keys and tags, and a consumer subscribed to "TagA || TagC" that gets only
// those.
func TestSendModesAndTagFilter(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	p := newProducer(t, ns)
	tags := []string{"TagA", "TagB", "TagC"}
	want := map[string]string{}
	ctx := context.Background()
	msg := func(mode string, i int) *primitive.Message {
		body := fmt.Sprintf("%s-%d", mode, i)
		tag := tags[i%3]
		want[body] = tag
		return primitive.NewMessage("TopicT", []byte(body)).WithTag(tag).WithKeys([]string{"key-" + body, "k2"})
	}
	for i := 0; i < 30; i++ {
		if _, err := p.SendSync(ctx, msg("sync", i)); err != nil {
			t.Fatalf("sync %d: %v", i, err)
		}
	}
	var wg sync.WaitGroup
	var asyncErr error
	var mu sync.Mutex
	for i := 0; i < 30; i++ {
		wg.Add(1)
		err := p.SendAsync(ctx, func(_ context.Context, res *primitive.SendResult, err error) {
			defer wg.Done()
			if err != nil || res.Status != primitive.SendOK {
				mu.Lock()
				asyncErr = fmt.Errorf("async: %v %v", res, err)
				mu.Unlock()
			}
		}, msg("async", i))
		if err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if asyncErr != nil {
		t.Fatal(asyncErr)
	}
	for i := 0; i < 30; i++ {
		if err := p.SendOneWay(ctx, msg("oneway", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 30; i += 3 {
		res, err := p.SendSync(ctx, msg("batch", i), msg("batch", i+1), msg("batch", i+2))
		if err != nil || res.Status != primitive.SendOK {
			t.Fatalf("batch %d: %v %v", i, res, err)
		}
		if ids := strings.Split(res.OffsetMsgID, ","); len(ids) != 3 {
			t.Fatalf("batch msgId %q: want 3 ids", res.OffsetMsgID)
		}
	}
	// Oneway sends have no answer: wait until the store has all of them.
	waitFor(t, 20*time.Second, "120 messages stored", func() bool { return storedCount(b, "TopicT") == len(want) })

	all := &received{got: map[string]int{}}
	startConsumer(t, ns, "cg-all", "all", "TopicT", "", all)
	ac := &received{got: map[string]int{}, tags: map[string]string{}}
	startConsumer(t, ns, "cg-ac", "ac", "TopicT", "TagA || TagC", ac)
	nAC := 0
	for _, tag := range want {
		if tag != "TagB" {
			nAC++
		}
	}
	waitFor(t, 60*time.Second, "every message", func() bool { return all.count() == len(want) })
	waitFor(t, 60*time.Second, "TagA/TagC messages", func() bool { return ac.count() == nAC })
	ac.mu.Lock()
	for body, tag := range ac.tags {
		if tag == "TagB" || want[body] != tag {
			t.Errorf("filtered consumer got %s with tag %q (sent %q)", body, tag, want[body])
		}
	}
	ac.mu.Unlock()
	if d := all.dups(); d != 0 {
		t.Errorf("%d duplicate deliveries", d)
	}
}

// storedCount sums the consume-queue lengths of topic.
func storedCount(b *Broker, topic string) int {
	tc, _ := b.topics.get(topic)
	n := 0
	for q := int32(0); q < tc.ReadQueueNums; q++ {
		if cq := b.store.Queue(topic, q); cq != nil {
			n += int(cq.MaxOffset())
		}
	}
	return n
}
