package broker

import "testing"

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
