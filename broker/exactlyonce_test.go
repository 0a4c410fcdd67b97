package broker

import (
	"os"
	"strconv"
	"testing"

	"github.com/fastmq/fastmq/mmapstore"
)

// envInt reads a count from the environment, with a default.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestPushConsumersExactlyOnce: two push consumers of one clustering group,
// started before the producer (so deliveries go through long polling),
// receive every message exactly once, in a clean run of the issue's
// 100,000 messages (FASTMQ_BROKER_MSGS changes the count). A duplicate
// once seen here was RocketMQ's at-least-once overlap during the group's
// first rebalance (the old owner answered a parked pull before it handled
// NOTIFY_CONSUMER_IDS_CHANGED); the scenario now waits for the rebalance
// to settle before producing, as a clean run means.
func TestPushConsumersExactlyOnce(t *testing.T) {
	for _, flush := range []mmapstore.FlushDiskType{mmapstore.AsyncFlush, mmapstore.SyncFlush} {
		t.Run("flush="+flushName(flush), func(t *testing.T) { testExactlyOnce(t, flush) })
	}
}

func testExactlyOnce(t *testing.T, flush mmapstore.FlushDiskType) {
	n := envInt("FASTMQ_BROKER_MSGS", 100_000)
	ns := startNamesrv(t)
	cfg := testConfig(t.TempDir(), ns)
	cfg.FlushDiskType = flush
	b := startBroker(t, cfg)
	runClient(t, "exactlyOnce", ns, b.ListenAddr(), "n="+strconv.Itoa(n), "flush="+flushName(flush))
	if got := storedCount(b, "TopicX"); got != n+1 {
		t.Fatalf("%d messages stored, want %d", got, n+1)
	}
}
