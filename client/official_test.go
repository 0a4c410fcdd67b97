package client

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

func init() { rlog.SetLogLevel("fatal") }

// deliveries records which side consumed each message and from which queue.
type deliveries struct {
	mu     sync.Mutex
	byBody map[string][]string // body -> consumers that got it
	queues map[string]map[int32]bool
}

func (d *deliveries) add(who, body string, queue int32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byBody[body] = append(d.byBody[body], who)
	if d.queues[who] == nil {
		d.queues[who] = map[int32]bool{}
	}
	d.queues[who][queue] = true
}

// TestIntegrationSharesGroupWithOfficialClient puts our push consumer and
// the official Go client (v2.1.2) in one clustering group: both run
// RocketMQ's AVG allocation over the same inputs, so each queue goes to
// exactly one of them and every message is consumed once.
func TestIntegrationSharesGroupWithOfficialClient(t *testing.T) {
	if raceEnabled {
		t.Skip("the official Go client v2.1.2 has data races of its own (consumer rebalance vs route refresh); run without -race")
	}
	cl := startCluster(t)
	topic := "SharedWithOfficial"
	createTopic(t, cl.ns, topic, 8)
	d := &deliveries{byBody: map[string][]string{}, queues: map[string]map[int32]bool{}}

	official, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{cl.ns}),
		consumer.WithGroupName("it-mixed"), consumer.WithInstance("official"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		t.Fatal(err)
	}
	err = official.Subscribe(topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			d.add("official", string(m.Body), int32(m.Queue.QueueId))
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := official.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { official.Shutdown() })

	ours := newIntegrationPushConsumer(t, cl.ns, "it-mixed", "ours", topic, func(_ context.Context, msgs []*MessageExt) ConsumeResult {
		for _, m := range msgs {
			d.add("ours", string(m.Body), m.Queue.QueueID)
		}
		return ConsumeSuccess
	})
	eventually(t, 30*time.Second, "our consumer holds 4 of 8 queues", func() bool { return len(ours.Assignment(topic)) == 4 })

	// Wait until the official client has let go of our queues too: probe
	// every queue until a round is consumed entirely by the side AVG
	// gives it to.
	p := newIntegrationProducer(t, cl.ns)
	ctx := context.Background()
	mine := ours.Assignment(topic)
	round := 0
	eventually(t, 30*time.Second, "a probe round consumed by the expected sides", func() bool {
		round++
		var bodies []string
		for _, mq := range append(mine, otherQueues(t, cl.ns, topic, mine)...) {
			body := fmt.Sprintf("probe-%d-%d", round, mq.QueueID)
			if _, err := p.SendTo(ctx, &Message{Topic: topic, Body: []byte(body)}, mq); err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, body)
		}
		eventually(t, 30*time.Second, "probes consumed", func() bool {
			d.mu.Lock()
			defer d.mu.Unlock()
			for _, b := range bodies {
				if len(d.byBody[b]) == 0 {
					return false
				}
			}
			return true
		})
		d.mu.Lock()
		defer d.mu.Unlock()
		for i, b := range bodies {
			want := "official"
			if i < len(mine) {
				want = "ours"
			}
			if got := d.byBody[b]; len(got) != 1 || got[0] != want {
				return false
			}
		}
		return true
	})

	d.mu.Lock()
	d.byBody, d.queues = map[string][]string{}, map[string]map[int32]bool{}
	d.mu.Unlock()
	sendN(t, p, topic, "mixed", 200)
	eventually(t, 30*time.Second, "200 messages consumed", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.byBody) == 200
	})
	d.mu.Lock()
	for body, who := range d.byBody {
		if len(who) != 1 {
			t.Errorf("%s consumed by %v", body, who)
		}
	}
	for q := range d.queues["official"] {
		if d.queues["ours"][q] {
			t.Errorf("queue %d consumed by both clients", q)
		}
	}
	if len(d.queues["ours"]) != 4 || len(d.queues["official"]) != 4 {
		t.Errorf("queues consumed: ours %v official %v", d.queues["ours"], d.queues["official"])
	}
	d.mu.Unlock()

	// A body we compress (zlib, sysflag bit 0) reads back whole in the
	// official client.
	big := strings.Repeat("compressed for the official client ", 400)
	if _, err := p.SendTo(ctx, &Message{Topic: topic, Body: []byte(big)}, otherQueues(t, cl.ns, topic, mine)[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the official client got the compressed body", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		who := d.byBody[big]
		return len(who) == 1 && who[0] == "official"
	})
}

// otherQueues returns topic's queues not in mine, sorted.
func otherQueues(t *testing.T, ns, topic string, mine []MessageQueue) []MessageQueue {
	t.Helper()
	a, err := NewAdmin(WithNameServers(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r, err := a.TopicRoute(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []MessageQueue
	for _, mq := range buildTopicRoute(topic, r, 0).subscribe {
		if !slices.Contains(mine, mq) {
			out = append(out, mq)
		}
	}
	return out
}

// TestIntegrationReadsOfficialProducerMessages: what the official Go
// producer sends (its UNIQ_KEY, its properties string ending in \x02, its
// zlib bodies, its batches) reads back whole through our pull consumer.
func TestIntegrationReadsOfficialProducerMessages(t *testing.T) {
	if raceEnabled {
		t.Skip("the official Go client v2.1.2 has data races of its own; run without -race")
	}
	cl := startCluster(t)
	topic := "FromOfficial"
	createTopic(t, cl.ns, topic, 2)
	prod, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{cl.ns}), producer.WithRetry(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prod.Shutdown() })
	ctx := context.Background()
	sent := map[string]string{} // body -> official MsgID
	m := primitive.NewMessage(topic, []byte("tagged"))
	m.WithTag("TagA")
	m.WithKeys([]string{"k1", "k2"})
	m.WithProperty("color", "blue")
	big := strings.Repeat("official zlib body ", 500)
	for _, msg := range []*primitive.Message{m, primitive.NewMessage(topic, []byte(big))} {
		res, err := prod.SendSync(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		sent[string(msg.Body)] = res.MsgID
	}
	if _, err := prod.SendSync(ctx, primitive.NewMessage(topic, []byte("batch-a")), primitive.NewMessage(topic, []byte("batch-b"))); err != nil {
		t.Fatal(err)
	}
	c := newIntegrationPullConsumer(t, cl.ns, "it-from-official")
	var got []*MessageExt
	eventually(t, 10*time.Second, "4 messages", func() bool {
		got = pullAll(t, c, topic)
		return len(got) == 4
	})
	for _, g := range got {
		switch string(g.Body) {
		case "tagged":
			if g.Tags != "TagA" || !slices.Equal(g.Keys, []string{"k1", "k2"}) || g.Property("color") != "blue" || g.MsgID != sent["tagged"] {
				t.Errorf("tagged message: tags %q keys %v props %v msgId %s (sent %s)", g.Tags, g.Keys, g.Properties, g.MsgID, sent["tagged"])
			}
		case big:
			if g.SysFlag&1 == 0 || g.MsgID != sent[big] {
				t.Errorf("big body: sysflag %#x msgId %s", g.SysFlag, g.MsgID)
			}
		case "batch-a", "batch-b":
		default:
			t.Errorf("unexpected body %.30q", g.Body)
		}
	}
}
