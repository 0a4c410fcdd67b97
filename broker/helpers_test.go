package broker

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/rlog"
	"github.com/fastmq/fastmq/namesrv"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

func init() { rlog.SetLogLevel("fatal") }

// testLogger is quiet unless FASTMQ_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("FASTMQ_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startNamesrv runs a NameServer on a random port for the test.
func startNamesrv(t testing.TB) string {
	t.Helper()
	ns, err := namesrv.New(namesrv.Config{Addr: "127.0.0.1:0", NumEventLoops: 1, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	return ns.Addr()
}

// testConfig is a small broker on 127.0.0.1:0 storing under dir.
func testConfig(dir string, nsAddr ...string) Config {
	return Config{BrokerName: "broker-t", BrokerIP1: "127.0.0.1", ListenAddr: "127.0.0.1:0", NamesrvAddrs: nsAddr,
		StorePathRootDir: dir, MappedFileSizeCommitLog: 16 << 20, MaxHashSlotNum: 1000, MaxIndexNum: 4000,
		NumEventLoops: 2, Logger: testLogger()}
}

// startBroker opens and starts a broker, closed at cleanup.
func startBroker(t testing.TB, cfg Config) *Broker {
	t.Helper()
	b, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		b.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// clientConn is a remoting client with its own connection that records the
// NOTIFY_CONSUMER_IDS_CHANGED requests the broker sends it.
type clientConn struct{ cl *netpoll.Client }

func netpollClient(t testing.TB, notified chan<- string) *clientConn {
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: testLogger(),
		OnRequest: func(_ string, req *protocol.Command) *protocol.Command {
			var h protocol.NotifyConsumerIdsChangedRequestHeader
			if req.Code == int32(protocol.ReqNotifyConsumerIdsChanged) && h.Decode(req) == nil {
				select {
				case notified <- h.ConsumerGroup:
				default:
				}
			}
			return nil
		}})
	t.Cleanup(func() { cl.Close() })
	return &clientConn{cl: cl}
}

func (c *clientConn) invoke(t testing.TB, addr string, req *protocol.Command) *protocol.Command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.cl.Invoke(ctx, addr, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (c *clientConn) close() { c.cl.Close() }

// storedCount sums the consume-queue lengths of topic.
func storedCount(b *Broker, topic string) int {
	tc, _ := b.topics.get(topic)
	n := 0
	for q := int32(0); q < tc.ReadQueueNums; q++ {
		if cq := b.store.Queue(topic, q); cq != nil {
			n += int(cq.MaxOffset())
		}
	}
	return n
}
