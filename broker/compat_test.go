package broker

import (
	"context"
	"fmt"
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
