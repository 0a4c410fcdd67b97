package broker

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// Client scenarios driven by the official Go client v2.1.2 (see runClient).

type officialProducer interface {
	SendSync(context.Context, ...*primitive.Message) (*primitive.SendResult, error)
	SendAsync(context.Context, func(context.Context, *primitive.SendResult, error), ...*primitive.Message) error
	SendOneWay(context.Context, ...*primitive.Message) error
	Shutdown() error
}

func startProducer(ns, instance string) (officialProducer, error) {
	p, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{ns}), producer.WithGroupName("pg"),
		producer.WithInstanceName(instance), producer.WithRetry(2), producer.WithSendMsgTimeout(10*time.Second))
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// received records every body a consumer got, with counts to catch
// duplicates, and optionally the tags.
type received struct {
	mu       sync.Mutex
	got      map[string]int
	tags     map[string]string
	attempts []int32
	topics   []string
}

func newReceived() *received { return &received{got: map[string]int{}, tags: map[string]string{}} }

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

// startConsumer starts a push consumer of group on topic (expr "" = all)
// whose listener records into r and answers result.
func startConsumer(ns, group, instance, topic, expr string, r *received, result consumer.ConsumeResult, opts ...consumer.Option) (func(), error) {
	opts = append([]consumer.Option{consumer.WithNameServer(primitive.NamesrvAddr{ns}), consumer.WithGroupName(group),
		consumer.WithInstance(instance), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset)}, opts...)
	c, err := consumer.NewPushConsumer(opts...)
	if err != nil {
		return nil, err
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
			r.tags[string(m.Body)] = m.GetTags()
			r.attempts = append(r.attempts, m.ReconsumeTimes)
			r.topics = append(r.topics, m.Topic)
		}
		return result, nil
	})
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { c.Shutdown() }) }, nil
}

func init() {
	scenarios["sendConsume"] = scenarioSendConsume
	scenarios["sendModes"] = scenarioSendModes
	scenarios["exactlyOnce"] = scenarioExactlyOnce
	scenarios["retry"] = scenarioRetry
	scenarios["sendOne"] = scenarioSendOne
	scenarios["sendOversized"] = scenarioSendOversized
}

// scenarioSendConsume: sync sends with tags and keys, then a push consumer
// gets every message once.
func scenarioSendConsume(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-simple")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	const n = 50
	for i := 0; i < n; i++ {
		msg := primitive.NewMessage("TopicA", []byte(fmt.Sprintf("m-%d", i))).WithTag("TagA").WithKeys([]string{fmt.Sprintf("k%d", i)})
		res, err := p.SendSync(ctx, msg)
		if err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
		if res.Status != primitive.SendOK || res.OffsetMsgID == "" || res.MsgID == "" {
			return fmt.Errorf("send %d: %+v", i, res)
		}
	}
	r := newReceived()
	stop, err := startConsumer(env.ns, "cg", "c-simple", "TopicA", "", r, consumer.ConsumeSuccess)
	if err != nil {
		return err
	}
	defer stop()
	if err := waitUntil(ctx, 60*time.Second, "all messages", func() bool { return r.count() == n }); err != nil {
		return err
	}
	if d := r.dups(); d != 0 {
		return fmt.Errorf("%d duplicate deliveries", d)
	}
	return nil
}

// scenarioSendModes: sync, async, oneway and batch sends with keys and
// tags; one consumer gets all of them once, one subscribed to
// "TagA || TagC" gets exactly those.
func scenarioSendModes(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-modes")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	tags := []string{"TagA", "TagB", "TagC"}
	want := map[string]string{}
	msg := func(mode string, i int) *primitive.Message {
		body := fmt.Sprintf("%s-%d", mode, i)
		want[body] = tags[i%3]
		return primitive.NewMessage("TopicT", []byte(body)).WithTag(tags[i%3]).WithKeys([]string{"key-" + body, "k2"})
	}
	for i := 0; i < 30; i++ {
		if _, err := p.SendSync(ctx, msg("sync", i)); err != nil {
			return fmt.Errorf("sync %d: %w", i, err)
		}
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := 0; i < 30; i++ {
		wg.Add(1)
		err := p.SendAsync(ctx, func(_ context.Context, res *primitive.SendResult, err error) {
			defer wg.Done()
			if err != nil || res.Status != primitive.SendOK {
				failed.Add(1)
			}
		}, msg("async", i))
		if err != nil {
			return err
		}
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d async sends failed", n)
	}
	for i := 0; i < 30; i++ {
		if err := p.SendOneWay(ctx, msg("oneway", i)); err != nil {
			return err
		}
	}
	for i := 0; i < 30; i += 3 {
		res, err := p.SendSync(ctx, msg("batch", i), msg("batch", i+1), msg("batch", i+2))
		if err != nil || res.Status != primitive.SendOK {
			return fmt.Errorf("batch %d: %v %v", i, res, err)
		}
		if ids := strings.Split(res.OffsetMsgID, ","); len(ids) != 3 {
			return fmt.Errorf("batch msgId %q: want 3 ids", res.OffsetMsgID)
		}
	}
	all, ac := newReceived(), newReceived()
	stop1, err := startConsumer(env.ns, "cg-all", "all", "TopicT", "", all, consumer.ConsumeSuccess)
	if err != nil {
		return err
	}
	defer stop1()
	stop2, err := startConsumer(env.ns, "cg-ac", "ac", "TopicT", "TagA || TagC", ac, consumer.ConsumeSuccess)
	if err != nil {
		return err
	}
	defer stop2()
	nAC := 0
	for _, tag := range want {
		if tag != "TagB" {
			nAC++
		}
	}
	if err := waitUntil(ctx, 60*time.Second, "every message", func() bool { return all.count() == len(want) }); err != nil {
		return fmt.Errorf("%w: got %d of %d", err, all.count(), len(want))
	}
	if err := waitUntil(ctx, 60*time.Second, "TagA/TagC messages", func() bool { return ac.count() == nAC }); err != nil {
		return err
	}
	ac.mu.Lock()
	defer ac.mu.Unlock()
	for body := range ac.got {
		if tag := ac.tags[body]; tag == "TagB" || want[body] != tag {
			return fmt.Errorf("filtered consumer got %s with tag %q (sent %q)", body, tag, want[body])
		}
	}
	if d := all.dups(); d != 0 {
		return fmt.Errorf("%d duplicate deliveries", d)
	}
	return nil
}

// scenarioExactlyOnce: two push consumers of one group start first (so
// deliveries go through long polling), 16 goroutines send n messages sync,
// every message arrives exactly once.
func scenarioExactlyOnce(ctx context.Context, env scenarioEnv) error {
	n, _ := strconv.Atoi(env.params["n"])
	p, err := startProducer(env.ns, "p-x")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	if _, err := p.SendSync(ctx, primitive.NewMessage("TopicX", []byte("warmup"))); err != nil {
		return err
	}
	r := newReceived()
	for _, inst := range []string{"c1", "c2"} {
		stop, err := startConsumer(env.ns, "cg-x", inst, "TopicX", "", r, consumer.ConsumeSuccess)
		if err != nil {
			return err
		}
		defer stop()
	}
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: testLogger()})
	defer cl.Close()
	var ids []string
	err = waitUntil(ctx, 30*time.Second, "two consumers in the group", func() bool {
		req := protocol.NewRequest(protocol.ReqGetConsumerListByGroup)
		(&protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: "cg-x"}).Encode(req)
		resp, err := cl.Invoke(ctx, env.broker, req)
		if err != nil {
			return false
		}
		body, err := protocol.DecodeConsumerListBody(resp.Body)
		if err == nil && len(body.ConsumerIDList) == 2 {
			ids = body.ConsumerIDList
		}
		return err == nil && len(body.ConsumerIDList) == 2
	})
	if err != nil {
		return err
	}
	if err := waitUntil(ctx, 30*time.Second, "the group's rebalance settled", func() bool { return settled(ctx, cl, env.broker, ids) }); err != nil {
		return err
	}
	const senders = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	start := time.Now()
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				msg := primitive.NewMessage("TopicX", []byte(fmt.Sprintf("x-%d", i))).WithTag("T").WithKeys([]string{strconv.FormatInt(i, 10)})
				if _, err := p.SendSync(ctx, msg); err != nil {
					errs <- fmt.Errorf("send %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		return err
	}
	env.logf("%s: %d sync sends from %d goroutines in %v: %.0f msgs/s", env.params["flush"], n, senders, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	if err := waitUntil(ctx, time.Duration(60+n/500)*time.Second, "every message", func() bool { return r.count() >= n+1 }); err != nil {
		return fmt.Errorf("%w: %d of %d", err, r.count(), n+1)
	}
	if d := r.dups(); d != 0 {
		return fmt.Errorf("%d duplicate deliveries", d)
	}
	return nil
}

// scenarioRetry: a message the consumer keeps failing comes back from
// %RETRY%<group> with reconsumeTimes 1, 2 and its original topic; then a
// producer's delay-level-2 message is sent.
func scenarioRetry(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-retry")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	if _, err := p.SendSync(ctx, primitive.NewMessage("TopicRetry", []byte("fail-me")).WithTag("A")); err != nil {
		return err
	}
	r := newReceived()
	stop, err := startConsumer(env.ns, "cg-retry", "c-retry", "TopicRetry", "", r, consumer.ConsumeRetryLater, consumer.WithMaxReconsumeTimes(2))
	if err != nil {
		return err
	}
	defer stop()
	err = waitUntil(ctx, 90*time.Second, "three attempts", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.attempts) >= 3
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	attempts, topics := r.attempts, r.topics
	r.mu.Unlock()
	if attempts[0] != 0 || attempts[1] != 1 || attempts[2] != 2 {
		return fmt.Errorf("reconsume times %v, want 0 1 2", attempts)
	}
	for _, tp := range topics {
		if tp != "TopicRetry" {
			return fmt.Errorf("retried message topic %q, want the original", tp)
		}
	}
	msg := primitive.NewMessage("TopicDelay", []byte("later"))
	msg.WithDelayTimeLevel(2)
	_, err = p.SendSync(ctx, msg)
	return err
}

// scenarioSendOne: one sync send succeeds.
func scenarioSendOne(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-one-"+env.params["tag"])
	if err != nil {
		return err
	}
	defer p.Shutdown()
	_, err = p.SendSync(ctx, primitive.NewMessage("TopicOK", []byte("one")))
	return err
}

// scenarioSendOversized: a body over the broker's maxMessageSize (but under
// the client's own 4 MiB) is refused with MESSAGE_ILLEGAL (13).
func scenarioSendOversized(ctx context.Context, env scenarioEnv) error {
	p, err := startProducer(env.ns, "p-big")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	big := make([]byte, 70<<10)
	rand.Read(big) // incompressible: the client zlib-compresses bodies over 4 KiB
	_, err = p.SendSync(ctx, primitive.NewMessage("TopicOK", big))
	if err == nil || !strings.Contains(err.Error(), "13") {
		return fmt.Errorf("oversized body: %v, want CODE 13", err)
	}
	return nil
}

// mqRe finds the TopicX queues in a client's running info (its mqTable keys,
// written in fastjson's object-as-key form): broker name and queue id.
var mqRe = regexp.MustCompile(`\{"topic":"TopicX","brokerName":"([^"]*)","queueId":(\d+)\}`)

// settled reports whether the group's first rebalance has settled: every
// client holds at least one TopicX queue and no queue is held by two of
// them. Until then a consumer that is about to drop a queue may still be
// answered a long poll it parked on it, and consume messages its successor
// consumes too (RocketMQ's at-least-once overlap around a rebalance), so
// an exactly-once check must not start producing before this holds.
func settled(ctx context.Context, cl *netpoll.Client, broker string, ids []string) bool {
	owners := map[string]int{}
	for _, id := range ids {
		req := protocol.NewRequest(protocol.ReqGetConsumerRunningInfo)
		(&protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: "cg-x", ClientID: id}).Encode(req)
		resp, err := cl.Invoke(ctx, broker, req)
		if err != nil || resp.Code != 0 {
			return false
		}
		held := mqRe.FindAllStringSubmatch(string(resp.Body), -1)
		if len(held) == 0 {
			return false
		}
		for _, m := range held {
			owners[m[1]+"/"+m[2]]++
		}
	}
	for _, n := range owners {
		if n != 1 {
			return false
		}
	}
	return true
}
