package client

import (
	"testing"
	"time"
)

func queuesOf(brokers ...string) []MessageQueue {
	var qs []MessageQueue
	for _, b := range brokers {
		for i := range 4 {
			qs = append(qs, MessageQueue{Topic: "T", BrokerName: b, QueueID: int32(i)})
		}
	}
	return qs
}

func TestRoundRobinSelectorCyclesThroughQueues(t *testing.T) {
	s := RoundRobinSelector()
	qs := queuesOf("a", "b")
	for i := range 20 {
		if got := s.Select(&Message{}, qs); got != i%len(qs) {
			t.Fatalf("pick %d = %d", i, got)
		}
	}
}

func TestHashSelectorUsesJavaStringHash(t *testing.T) {
	s := HashSelector()
	qs := queuesOf("a") // 4 queues
	// "abc".hashCode() = 96354 -> 96354 % 4 = 2 (Java SelectMessageQueueByHash).
	if got := s.Select(&Message{ShardingKey: "abc"}, qs); got != 2 {
		t.Errorf("abc -> %d, want 2", got)
	}
	// A negative hash: "polygenelubricants".hashCode() = -2147483648.
	if got := s.Select(&Message{ShardingKey: "polygenelubricants"}, qs); got != 0 {
		t.Errorf("min-int hash -> %d, want 0", got)
	}
	// "Aa" and "BB" collide in Java; ordering keys follow the same queue.
	if s.Select(&Message{ShardingKey: "Aa"}, qs) != s.Select(&Message{ShardingKey: "BB"}, qs) {
		t.Errorf("equal Java hashes went to different queues")
	}
	// Without a sharding key the first key decides.
	if s.Select(&Message{Keys: []string{"abc", "zzz"}}, qs) != 2 {
		t.Errorf("first key not used")
	}
}

func TestCustomSelectorIndexIsTakenModulo(t *testing.T) {
	p := &Producer{}
	tr := buildTopicRouteForTest(queuesOf("a"))
	sel := SelectorFunc(func(*Message, []MessageQueue) int { return -1 })
	if got := p.choose(tr, &Message{}, sel, ""); got.QueueID != 3 {
		t.Errorf("index -1 picked queue %d, want 3", got.QueueID)
	}
}

func buildTopicRouteForTest(qs []MessageQueue) *topicRoute {
	tr := &topicRoute{publish: qs, writeQueues: map[string]int{}}
	for _, q := range qs {
		tr.writeQueues[q.BrokerName]++
	}
	return tr
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestFaultAvoidanceSkipsSlowAndFailedBrokers(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	ft := newFaultTolerance(clk.now)
	tr := buildTopicRouteForTest(queuesOf("a", "b"))

	// Fast sends keep a broker available.
	ft.update("a", 20*time.Millisecond, false)
	if !ft.available("a") {
		t.Fatal("a 20 ms send set a aside")
	}
	// 600 ms (>= 550 ms) sets it aside for 30 s.
	ft.update("a", 600*time.Millisecond, false)
	for range 16 {
		if mq := pickQueue(tr, ft, ""); mq.BrokerName != "b" {
			t.Fatalf("picked %v while a is set aside", mq)
		}
	}
	clk.advance(29 * time.Second)
	if ft.available("a") {
		t.Fatal("a available before 30 s")
	}
	clk.advance(time.Second)
	if !ft.available("a") {
		t.Fatal("a not available after 30 s")
	}
	// A failure (isolation) counts as 30 s of latency: 600 s aside.
	ft.update("b", 0, true)
	clk.advance(599 * time.Second)
	if ft.available("b") {
		t.Fatal("failed broker back before 600 s")
	}
	clk.advance(time.Second)
	if !ft.available("b") {
		t.Fatal("failed broker not back after 600 s")
	}
}

func TestFaultAvoidanceFallsBackToLeastBadBroker(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	ft := newFaultTolerance(clk.now)
	tr := buildTopicRouteForTest(queuesOf("a", "b", "c", "d"))
	// Every broker set aside; a and b less bad than c and d.
	ft.update("a", 600*time.Millisecond, false)
	ft.update("b", 700*time.Millisecond, false)
	ft.update("c", 2*time.Second, false)
	ft.update("d", 0, true)
	for range 20 {
		mq := pickQueue(tr, ft, "")
		if mq.BrokerName != "a" && mq.BrokerName != "b" {
			t.Fatalf("picked %v, want the better half (a, b)", mq)
		}
		if mq.QueueID < 0 || mq.QueueID >= 4 {
			t.Fatalf("queue id %d out of range", mq.QueueID)
		}
	}
}

func TestNotAvailableForFollowsRocketMQTable(t *testing.T) {
	f := func(lat, want time.Duration) {
		t.Helper()
		if got := notAvailableFor(lat); got != want {
			t.Errorf("notAvailableFor(%v) = %v, want %v", lat, got, want)
		}
	}
	f(0, 0)
	f(99*time.Millisecond, 0)
	f(550*time.Millisecond, 30*time.Second)
	f(time.Second, 60*time.Second)
	f(2*time.Second, 120*time.Second)
	f(3*time.Second, 180*time.Second)
	f(15*time.Second, 600*time.Second)
}

func TestPickQueueWithoutFaultAvoidanceAvoidsLastBroker(t *testing.T) {
	tr := buildTopicRouteForTest(queuesOf("a", "b"))
	for range 10 {
		if mq := pickQueue(tr, nil, "a"); mq.BrokerName == "a" {
			t.Fatalf("retry went back to the failed broker: %v", mq)
		}
	}
}
