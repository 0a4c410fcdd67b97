package broker

import (
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// TestSyncSendAndPushConsume sends with the official client and receives
// every message once with its push consumer.
func TestSyncSendAndPushConsume(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	runClient(t, "sendConsume", ns, b.ListenAddr())
}

// TestSendModesAndTagFilter covers sync, async, oneway and batch sends with
// keys and tags, and a consumer subscribed to "TagA || TagC" that gets only
// those.
func TestSendModesAndTagFilter(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	runClient(t, "sendModes", ns, b.ListenAddr())
	if n := storedCount(b, "TopicT"); n != 120 {
		t.Fatalf("%d messages stored, want 120", n)
	}
}

// TestOrderlyConsumerLocksQueues: the official orderly push consumer locks
// its queues (LOCK_BATCH_MQ) and gets each queue's messages in order.
func TestOrderlyConsumerLocksQueues(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	runClient(t, "orderly", ns, b.ListenAddr())
}

// TestAdminCreateDeleteTopic drives UPDATE_AND_CREATE_TOPIC and
// DELETE_TOPIC_IN_BROKER with the official admin API.
func TestAdminCreateDeleteTopic(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	runClient(t, "admin", ns, b.Addr())
	if tc, ok := b.topics.get("AdminTopic"); !ok || tc.WriteQueueNums != 2 {
		t.Fatalf("topic after create: %+v %v", tc, ok)
	}
	runClient(t, "admin", ns, b.Addr(), "delete=true")
	if _, ok := b.topics.get("AdminTopic"); ok {
		t.Fatal("topic still there after delete")
	}
}

// TestTwoBrokersOneCluster: two brokers register with one NameServer; the
// producer spreads messages over both, and two push consumers of one group
// get every message exactly once from both.
func TestTwoBrokersOneCluster(t *testing.T) {
	ns := startNamesrv(t)
	cfgA := testConfig(t.TempDir(), ns)
	cfgA.BrokerName = "broker-a"
	cfgB := testConfig(t.TempDir(), ns)
	cfgB.BrokerName = "broker-b"
	a, b := startBroker(t, cfgA), startBroker(t, cfgB)
	for _, br := range []*Broker{a, b} {
		req := protocol.NewRequest(protocol.ReqUpdateAndCreateTopic)
		(&protocol.CreateTopicRequestHeader{Topic: "TopicX", DefaultTopic: "TBW102", ReadQueueNums: 4, WriteQueueNums: 4, Perm: 6,
			TopicFilterType: protocol.TopicFilterSingleTag}).Encode(req)
		if resp := invoke(t, br.ListenAddr(), req); resp.Code != 0 {
			t.Fatalf("create topic: %d", resp.Code)
		}
	}
	runClient(t, "exactlyOnce", ns, a.ListenAddr(), "n=400", "flush=ASYNC_FLUSH")
	na, nb := storedCount(a, "TopicX"), storedCount(b, "TopicX")
	if na == 0 || nb == 0 || na+nb != 401 {
		t.Fatalf("stored %d on broker-a and %d on broker-b, want both used and 401 in all", na, nb)
	}
}

// TestAdminCallsForwardedToConsumer: GET_CONSUMER_RUNNING_INFO and
// CONSUME_MESSAGE_DIRECTLY reach the official client through the broker.
func TestAdminCallsForwardedToConsumer(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	runClient(t, "callConsumer", ns, b.ListenAddr())
}

// TestBigMessageRoundTrip: a 3 MiB body through send, store and pull.
func TestBigMessageRoundTrip(t *testing.T) {
	ns := startNamesrv(t)
	cfg := testConfig(t.TempDir(), ns)
	cfg.MappedFileSizeCommitLog = 64 << 20
	b := startBroker(t, cfg)
	runClient(t, "bigMessage", ns, b.ListenAddr())
}

// TestNamespacedClients: the official client with a namespace produces and
// consumes.
func TestNamespacedClients(t *testing.T) {
	ns := startNamesrv(t)
	b := startBroker(t, testConfig(t.TempDir(), ns))
	runClient(t, "namespace", ns, b.ListenAddr())
	if n := storedCount(b, "ns1%TopicNs"); n != 20 {
		t.Fatalf("%d messages in ns1%%TopicNs", n)
	}
}

// TestSQL92Consumer: the official push consumer's SQL92 selector filters on
// the broker (enablePropertyFilter=true).
func TestSQL92Consumer(t *testing.T) {
	ns := startNamesrv(t)
	cfg := testConfig(t.TempDir(), ns)
	cfg.EnablePropertyFilter = true
	b := startBroker(t, cfg)
	runClient(t, "sql92", ns, b.ListenAddr())
}
