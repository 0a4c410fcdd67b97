package broker

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

func init() {
	scenarios["orderly"] = scenarioOrderly
	scenarios["admin"] = scenarioAdmin
}

// scenarioOrderly: an orderly push consumer (which locks its queues with
// LOCK_BATCH_MQ before consuming) gets every message of each queue in
// queue order.
func scenarioOrderly(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-order")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	const n = 200
	for i := 0; i < n; i++ {
		if _, err := p.SendSync(ctx, primitive.NewMessage("TopicOrder", []byte(fmt.Sprintf("%06d", i)))); err != nil {
			return err
		}
	}
	var mu sync.Mutex
	last := map[int]string{}
	count := 0
	var bad error
	c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{env.ns}), consumer.WithGroupName("cg-order"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset), consumer.WithConsumerOrder(true))
	if err != nil {
		return err
	}
	err = c.Subscribe("TopicOrder", consumer.MessageSelector{}, func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			q := m.Queue.QueueId
			if prev, ok := last[q]; ok && string(m.Body) <= prev && bad == nil {
				bad = fmt.Errorf("queue %d: %s after %s", q, m.Body, prev)
			}
			last[q] = string(m.Body)
			count++
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
	err = waitUntil(ctx, 90*time.Second, "every message in order", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return count >= n
	})
	mu.Lock()
	if bad != nil {
		mu.Unlock()
		return bad
	}
	mu.Unlock()
	if err != nil {
		return err
	}
	// The consumer holds its queues' locks: another client gets none.
	var mqs []protocol.MessageQueue
	for q := int32(0); q < 4; q++ {
		mqs = append(mqs, protocol.MessageQueue{Topic: "TopicOrder", BrokerName: "broker-t", QueueID: q})
	}
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: testLogger()})
	defer cl.Close()
	req := protocol.NewRequest(protocol.ReqLockBatchMQ)
	req.Body = protocol.AppendLockBatchRequestBody(nil, &protocol.LockBatchRequestBody{ConsumerGroup: "cg-order", ClientID: "intruder", MQSet: mqs})
	resp, err := cl.Invoke(ctx, env.broker, req)
	if err != nil {
		return err
	}
	body, err := protocol.DecodeLockBatchResponseBody(resp.Body)
	if err != nil || len(body.LockOKMQSet) != 0 {
		return fmt.Errorf("another client locked %v (%v) while the orderly consumer runs", body.LockOKMQSet, err)
	}
	return nil
}

// scenarioAdmin: the official admin API creates a topic on the broker
// (which registers it with the NameServer) and deletes it again.
func scenarioAdmin(ctx context.Context, env scenarioEnv) error {
	a, err := admin.NewAdmin(admin.WithResolver(primitive.NewPassthroughResolver([]string{env.ns})))
	if err != nil {
		return err
	}
	defer a.Close()
	err = a.CreateTopic(ctx, admin.WithTopicCreate("AdminTopic"), admin.WithBrokerAddrCreate(env.broker),
		admin.WithReadQueueNums(2), admin.WithWriteQueueNums(2))
	if err != nil {
		return fmt.Errorf("create topic: %w", err)
	}
	err = waitUntil(ctx, 30*time.Second, "route of the new topic", func() bool {
		mqs, err := a.FetchPublishMessageQueues(ctx, "AdminTopic")
		return err == nil && len(mqs) == 2
	})
	if err != nil {
		return err
	}
	if env.params["delete"] == "true" {
		if err := a.DeleteTopic(ctx, admin.WithTopicDelete("AdminTopic"), admin.WithBrokerAddrDelete(env.broker)); err != nil {
			return fmt.Errorf("delete topic: %w", err)
		}
	}
	return nil
}

func init() { scenarios["callConsumer"] = scenarioCallConsumer }

// scenarioCallConsumer: with an official push consumer running, an admin
// call GET_CONSUMER_RUNNING_INFO through the broker gets the client's
// running info, and CONSUME_MESSAGE_DIRECTLY makes it consume a stored
// message and report the result.
func scenarioCallConsumer(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-call")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	res, err := p.SendSync(ctx, primitive.NewMessage("TopicCall", []byte("direct")))
	if err != nil {
		return err
	}
	r := newReceived()
	stop, err := startConsumer(env.ns, "cg-call", "c-call", "TopicCall", "", r, consumer.ConsumeSuccess)
	if err != nil {
		return err
	}
	defer stop()
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: testLogger()})
	defer cl.Close()
	var clientID string
	err = waitUntil(ctx, 30*time.Second, "the consumer registered", func() bool {
		req := protocol.NewRequest(protocol.ReqGetConsumerListByGroup)
		(&protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: "cg-call"}).Encode(req)
		resp, err := cl.Invoke(ctx, env.broker, req)
		if err != nil {
			return false
		}
		body, err := protocol.DecodeConsumerListBody(resp.Body)
		if err != nil || len(body.ConsumerIDList) != 1 {
			return false
		}
		clientID = body.ConsumerIDList[0]
		return true
	})
	if err != nil {
		return err
	}
	info := protocol.NewRequest(protocol.ReqGetConsumerRunningInfo)
	(&protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: "cg-call", ClientID: clientID}).Encode(info)
	resp, err := cl.Invoke(ctx, env.broker, info)
	if err != nil {
		return err
	}
	if resp.Code != 0 || !strings.Contains(string(resp.Body), "TopicCall") {
		return fmt.Errorf("running info: code %d %q body %.200s", resp.Code, resp.Remark, resp.Body)
	}
	direct := protocol.NewRequest(protocol.ReqConsumeMessageDirectly)
	(&protocol.ConsumeMessageDirectlyRequestHeader{ConsumerGroup: "cg-call", ClientID: clientID, MsgID: res.OffsetMsgID}).Encode(direct)
	resp, err = cl.Invoke(ctx, env.broker, direct)
	if err != nil {
		return err
	}
	if resp.Code != 0 || !strings.Contains(string(resp.Body), `"consumeResult"`) {
		return fmt.Errorf("consume directly: code %d %q body %.200s", resp.Code, resp.Remark, resp.Body)
	}
	missing := protocol.NewRequest(protocol.ReqGetConsumerRunningInfo)
	(&protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: "cg-call", ClientID: "nobody@0"}).Encode(missing)
	if resp, err = cl.Invoke(ctx, env.broker, missing); err != nil || resp.Code != 1 || !strings.Contains(resp.Remark, "not online") {
		return fmt.Errorf("unknown client: %v %v", resp, err)
	}
	return nil
}

func init() { scenarios["bigMessage"] = scenarioBigMessage }

// scenarioBigMessage: a 3 MiB incompressible body goes through send, store
// and pull intact.
func scenarioBigMessage(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-big2")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	body := make([]byte, 3<<20)
	for i := range body {
		body[i] = byte(i*7919 + i>>8)
	}
	if _, err := p.SendSync(ctx, primitive.NewMessage("TopicBig", body)); err != nil {
		return err
	}
	if _, err := p.SendSync(ctx, primitive.NewMessage("TopicBig", []byte("small"))); err != nil {
		return err
	}
	var mu sync.Mutex
	var got [][]byte
	c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{env.ns}), consumer.WithGroupName("cg-big"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		return err
	}
	err = c.Subscribe("TopicBig", consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			got = append(got, m.Body)
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
	if err := waitUntil(ctx, 60*time.Second, "both messages", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 2 }); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	for _, g := range got {
		if len(g) == len(body) && !bytes.Equal(g, body) {
			return fmt.Errorf("3 MiB body corrupted")
		}
	}
	if len(got) != 2 || (len(got[0]) != len(body) && len(got[1]) != len(body)) {
		return fmt.Errorf("got %d messages", len(got))
	}
	return nil
}

func init() { scenarios["namespace"] = scenarioNamespace }

// scenarioNamespace: a producer and a push consumer with a namespace
// ("ns1%" before topics and groups) exchange every message. (Checked while
// writing it: v2.1.2 heartbeats the namespaced group name too, so the
// bare-name mismatch noted in wire-protocol.md §6.1 does not show here.)
func scenarioNamespace(ctx context.Context, env scenarioEnv) error {
	p, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{env.ns}), producer.WithGroupName("pg-ns"),
		producer.WithNamespace("ns1"))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	for i := 0; i < 20; i++ {
		if _, err := p.SendSync(ctx, primitive.NewMessage("TopicNs", []byte(fmt.Sprintf("ns-%d", i)))); err != nil {
			return err
		}
	}
	r := newReceived()
	stop, err := startConsumer(env.ns, "cg-ns", "c-ns", "TopicNs", "", r, consumer.ConsumeSuccess, consumer.WithNamespace("ns1"))
	if err != nil {
		return err
	}
	defer stop()
	return waitUntil(ctx, 60*time.Second, "namespaced messages", func() bool { return r.count() == 20 })
}

func init() { scenarios["sql92"] = scenarioSQL92 }

// scenarioSQL92: a push consumer with an SQL92 selector gets only the
// messages whose properties match.
func scenarioSQL92(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-sql")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	for i := 0; i < 20; i++ {
		m := primitive.NewMessage("TopicSQL92", []byte(fmt.Sprintf("sql-%d", i))).WithTag("T")
		m.WithProperty("n", fmt.Sprint(i))
		if _, err := p.SendSync(ctx, m); err != nil {
			return err
		}
	}
	r := newReceived()
	c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{env.ns}), consumer.WithGroupName("cg-sql"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		return err
	}
	err = c.Subscribe("TopicSQL92", consumer.MessageSelector{Type: consumer.SQL92, Expression: "n >= 15 AND TAGS = 'T'"},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			for _, m := range msgs {
				r.got[string(m.Body)]++
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
	if err := waitUntil(ctx, 60*time.Second, "the matching messages", func() bool { return r.count() >= 5 }); err != nil {
		return fmt.Errorf("%w: got %d", err, r.count())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for body := range r.got {
		var n int
		fmt.Sscanf(body, "sql-%d", &n)
		if n < 15 {
			return fmt.Errorf("got %s, which does not match n >= 15", body)
		}
	}
	return nil
}
