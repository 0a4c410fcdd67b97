package broker

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
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
// receive every message exactly once. FASTMQ_BROKER_MSGS sets the count
// (default 2,000; the soak setting is 100,000).
func TestPushConsumersExactlyOnce(t *testing.T) {
	for _, flush := range []mmapstore.FlushDiskType{mmapstore.AsyncFlush, mmapstore.SyncFlush} {
		t.Run("flush="+flushName(flush), func(t *testing.T) { testExactlyOnce(t, flush) })
	}
}

func testExactlyOnce(t *testing.T, flush mmapstore.FlushDiskType) {
	n := envInt("FASTMQ_BROKER_MSGS", 2000)
	ns := startNamesrv(t)
	cfg := testConfig(t.TempDir(), ns)
	cfg.FlushDiskType = flush
	b := startBroker(t, cfg)
	p := newProducer(t, ns)
	// Create the topic first so that both consumers see its route.
	if _, err := p.SendSync(context.Background(), primitive.NewMessage("TopicX", []byte("warmup"))); err != nil {
		t.Fatal(err)
	}
	r := &received{got: map[string]int{}}
	startConsumer(t, ns, "cg-x", "c1", "TopicX", "", r)
	startConsumer(t, ns, "cg-x", "c2", "TopicX", "", r)
	waitFor(t, 30*time.Second, "two consumers in the group", func() bool { return len(b.clients.ids("cg-x")) == 2 })

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
				if _, err := p.SendSync(context.Background(), msg); err != nil {
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
		t.Fatal(err)
	}
	t.Logf("%s: %d sync sends from %d goroutines in %v: %.0f msgs/s", flushName(flush), n, senders, elapsed, float64(n)/elapsed.Seconds())
	waitFor(t, time.Duration(60+n/500)*time.Second, "every message", func() bool { return r.count() >= n+1 })
	if d := r.dups(); d != 0 {
		t.Errorf("%d duplicate deliveries", d)
	}
	for i := 0; i < n; i++ {
		if r.got[fmt.Sprintf("x-%d", i)] != 1 {
			t.Fatalf("message x-%d delivered %d times", i, r.got[fmt.Sprintf("x-%d", i)])
		}
	}
}
