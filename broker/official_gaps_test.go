package broker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/fastmq/fastmq/protocol"
)

// Behaviour users of the official Go client v2.1.2 rely on: broadcasting
// consumption, per-order ordering through a hash queue selector, and the
// default delay level 2 (5 s).

func init() {
	scenarios["broadcast"] = scenarioBroadcast
	scenarios["orderByID"] = scenarioOrderByID
	scenarios["delayLevel2"] = scenarioDelayLevel2
}

// createTopic creates topic with queues read and write queues on the broker
// at addr (which registers it with the NameServer).
func createTopic(t *testing.T, addr, topic string, queues int32) {
	t.Helper()
	req := protocol.NewRequest(protocol.ReqUpdateAndCreateTopic)
	(&protocol.CreateTopicRequestHeader{Topic: topic, DefaultTopic: "TBW102", ReadQueueNums: queues, WriteQueueNums: queues, Perm: 6,
		TopicFilterType: protocol.TopicFilterSingleTag}).Encode(req)
	if resp := invoke(t, addr, req); resp.Code != 0 {
		t.Fatalf("create topic %s: code %d", topic, resp.Code)
	}
}

// TestBroadcastingEachConsumerGetsEverything: two broadcasting push
// consumers of one group each receive every message of the topic.
func TestBroadcastingEachConsumerGetsEverything(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	createTopic(t, b.ListenAddr(), "TopicBC", 4)
	// A broadcasting consumer keeps its offsets in a local file under
	// $HOME/.rocketmq_client_go/<group>/<clientID>; a group unique to
	// this run keeps an earlier run's offsets out.
	group := "cg-bc-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	runClient(t, "broadcast", ns, b.ListenAddr(), "n=200", "group="+group)
	if n := storedCount(b, "TopicBC"); n != 200 {
		t.Fatalf("%d messages stored, want 200", n)
	}
}

// scenarioBroadcast: n messages are sent, then two BroadCasting consumers
// of one group start from the first offset; each gets all n bodies.
func scenarioBroadcast(ctx context.Context, env scenarioEnv) error {
	n, _ := strconv.Atoi(env.params["n"])
	group := env.params["group"]
	defer removeLocalOffsets(group)
	p, err := startProducer(env.ns, "p-bc")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	for i := 0; i < n; i++ {
		if _, err := p.SendSync(ctx, primitive.NewMessage("TopicBC", []byte(fmt.Sprintf("bc-%d", i)))); err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
	}
	rs := []*received{newReceived(), newReceived()}
	for i, r := range rs {
		stop, err := startConsumer(env.ns, group, fmt.Sprintf("bc%d", i+1), "TopicBC", "", r, consumer.ConsumeSuccess,
			consumer.WithConsumerModel(consumer.BroadCasting))
		if err != nil {
			return err
		}
		defer stop()
	}
	err = waitUntil(ctx, 60*time.Second, "every message at both consumers", func() bool { return rs[0].count() >= n && rs[1].count() >= n })
	if err != nil {
		return fmt.Errorf("%w: consumer 1 got %d, consumer 2 got %d of %d", err, rs[0].count(), rs[1].count(), n)
	}
	for c, r := range rs {
		r.mu.Lock()
		for i := 0; i < n; i++ {
			if r.got[fmt.Sprintf("bc-%d", i)] == 0 {
				r.mu.Unlock()
				return fmt.Errorf("consumer %d never got bc-%d", c+1, i)
			}
		}
		extra := len(r.got) - n
		r.mu.Unlock()
		if extra != 0 {
			return fmt.Errorf("consumer %d got %d bodies that were never sent", c+1, extra)
		}
	}
	return nil
}

// removeLocalOffsets deletes the local offset files the client wrote for
// group (v2.1.2 passes its arguments to NewLocalFileOffsetStore swapped,
// so the path is <dir>/<group>/<clientID>/offset.json).
func removeLocalOffsets(group string) {
	if group != "" {
		os.RemoveAll(filepath.Join(os.Getenv("HOME"), ".rocketmq_client_go", group))
	}
}

// TestOrderlyByOrderIDKeepsEachOrdersSteps: messages sharded by order id
// through the hash queue selector reach an orderly consumer with each
// order's steps in the order they were sent.
func TestOrderlyByOrderIDKeepsEachOrdersSteps(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	createTopic(t, b.ListenAddr(), "TopicOrderID", 8)
	runClient(t, "orderByID", ns, b.ListenAddr(), "orders=20", "steps=10")
	if n := storedCount(b, "TopicOrderID"); n != 200 {
		t.Fatalf("%d messages stored, want 200", n)
	}
}

// orderProgress tracks, per order id, the last step seen and its queue.
type orderProgress struct {
	mu    sync.Mutex
	last  map[int]int
	queue map[int]int
	seen  int
	bad   error
}

func (o *orderProgress) record(m *primitive.MessageExt) {
	var order, step int
	if _, err := fmt.Sscanf(string(m.Body), "order-%d:step-%d", &order, &step); err != nil {
		o.fail(fmt.Errorf("body %q: %w", m.Body, err))
		return
	}
	if key := m.GetShardingKey(); key != strconv.Itoa(order) {
		o.fail(fmt.Errorf("%s carries sharding key %q", m.Body, key))
	}
	if q, ok := o.queue[order]; ok && q != m.Queue.QueueId {
		o.fail(fmt.Errorf("order %d on queues %d and %d", order, q, m.Queue.QueueId))
	}
	o.queue[order] = m.Queue.QueueId
	if prev, ok := o.last[order]; ok && step <= prev {
		o.fail(fmt.Errorf("order %d: step %d after step %d", order, step, prev))
	} else if !ok && step != 0 {
		o.fail(fmt.Errorf("order %d: first step seen is %d", order, step))
	}
	o.last[order] = step
	o.seen++
}

func (o *orderProgress) fail(err error) {
	if o.bad == nil {
		o.bad = err
	}
}

// scenarioOrderByID: orders×steps messages, steps of all orders interleaved,
// sent with the order id as sharding key through the hash queue selector;
// an orderly push consumer sees each order's steps 0..steps-1 in order.
func scenarioOrderByID(ctx context.Context, env scenarioEnv) error {
	orders, _ := strconv.Atoi(env.params["orders"])
	steps, _ := strconv.Atoi(env.params["steps"])
	p, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{env.ns}), producer.WithGroupName("pg-oid"),
		producer.WithInstanceName("p-oid"), producer.WithRetry(2), producer.WithSendMsgTimeout(10*time.Second),
		producer.WithQueueSelector(producer.NewHashQueueSelector()))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	sentQueue := map[int]int{}
	for s := 0; s < steps; s++ {
		for o := 0; o < orders; o++ {
			msg := primitive.NewMessage("TopicOrderID", []byte(fmt.Sprintf("order-%d:step-%d", o, s)))
			msg.WithShardingKey(strconv.Itoa(o))
			res, err := p.SendSync(ctx, msg)
			if err != nil {
				return fmt.Errorf("order %d step %d: %w", o, s, err)
			}
			if q, ok := sentQueue[o]; ok && q != res.MessageQueue.QueueId {
				return fmt.Errorf("order %d sent to queues %d and %d", o, q, res.MessageQueue.QueueId)
			}
			sentQueue[o] = res.MessageQueue.QueueId
		}
	}
	used := map[int]bool{}
	for _, q := range sentQueue {
		used[q] = true
	}
	if len(used) < 2 {
		return fmt.Errorf("%d orders all went to %d queue(s)", orders, len(used))
	}
	prog := &orderProgress{last: map[int]int{}, queue: map[int]int{}}
	c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{env.ns}), consumer.WithGroupName("cg-oid"),
		consumer.WithInstance("c-oid"), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset), consumer.WithConsumerOrder(true))
	if err != nil {
		return err
	}
	err = c.Subscribe("TopicOrderID", consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		prog.mu.Lock()
		defer prog.mu.Unlock()
		for _, m := range msgs {
			prog.record(m)
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	defer c.Shutdown()
	done := func() bool {
		prog.mu.Lock()
		defer prog.mu.Unlock()
		return prog.bad != nil || prog.seen >= orders*steps
	}
	err = waitUntil(ctx, 60*time.Second, "every step of every order", done)
	prog.mu.Lock()
	defer prog.mu.Unlock()
	if prog.bad != nil {
		return prog.bad
	}
	if err != nil {
		return fmt.Errorf("%w: %d of %d", err, prog.seen, orders*steps)
	}
	for o := 0; o < orders; o++ {
		if prog.last[o] != steps-1 {
			return fmt.Errorf("order %d ended at step %d, want %d", o, prog.last[o], steps-1)
		}
	}
	return nil
}

// TestDelayLevelTwoWaitsFiveSeconds: with the default messageDelayLevel, a
// level-2 message reaches its topic and the push consumer only after 5 s.
func TestDelayLevelTwoWaitsFiveSeconds(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	createTopic(t, b.ListenAddr(), "TopicDelay5", 4)
	runClient(t, "delayLevel2", ns, b.ListenAddr())
	var found bool
	for q := int32(0); q < 4; q++ {
		cq := b.store.Queue("TopicDelay5", q)
		for off := int64(0); cq != nil && off < cq.MaxOffset(); off++ {
			e, err := cq.Entry(off)
			if err != nil {
				t.Fatal(err)
			}
			v, err := b.clog.Read(e.PhyOffset)
			if err != nil {
				t.Fatal(err)
			}
			var m protocol.StoredMessage
			if err := protocol.DecodeStoredMessage(v.Bytes(), &m); err != nil {
				v.Release()
				t.Fatal(err)
			}
			if string(m.Body) == "delayed" {
				found = true
				if string(m.Topic) != "TopicDelay5" {
					t.Errorf("delivered copy on topic %q", m.Topic)
				}
				if d := m.StoreTimestamp - m.BornTimestamp; d < 4500 {
					t.Errorf("level-2 message stored on its topic %d ms after it was born, want >= 4500", d)
				}
			}
			v.Release()
		}
	}
	if !found {
		t.Fatal("delayed message not on TopicDelay5")
	}
}

// scenarioDelayLevel2: a push consumer that has already received a plain
// message receives a DELAY=2 message no earlier than 4.5 s after its send
// returned, on its real topic.
func scenarioDelayLevel2(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-delay5")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	if _, err := p.SendSync(ctx, primitive.NewMessage("TopicDelay5", []byte("plain"))); err != nil {
		return err
	}
	r := newReceived()
	stop, err := startConsumer(env.ns, "cg-delay5", "c-delay5", "TopicDelay5", "", r, consumer.ConsumeSuccess)
	if err != nil {
		return err
	}
	defer stop()
	if err := waitUntil(ctx, 30*time.Second, "the plain message", func() bool { return r.count() == 1 }); err != nil {
		return err
	}
	msg := primitive.NewMessage("TopicDelay5", []byte("delayed"))
	msg.WithDelayTimeLevel(2)
	if _, err := p.SendSync(ctx, msg); err != nil {
		return err
	}
	sent := time.Now()
	// The poll below runs every 5 ms: the time it sees the second body is
	// the receive time to within that.
	if err := waitUntil(ctx, 30*time.Second, "the delayed message", func() bool { return r.count() == 2 }); err != nil {
		return err
	}
	wait := time.Since(sent)
	env.logf("level-2 message received %v after its send returned", wait.Round(time.Millisecond))
	if wait < 4500*time.Millisecond {
		return fmt.Errorf("level-2 message received %v after send, want >= 4.5s", wait)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got["delayed"] != 1 {
		return fmt.Errorf("received %v, want plain and delayed once each", r.got)
	}
	for _, tp := range r.topics {
		if tp != "TopicDelay5" {
			return fmt.Errorf("a message arrived with topic %q", tp)
		}
	}
	return nil
}
