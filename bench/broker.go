package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Flush is a broker's or peer's persistence mode in a scenario.
type Flush string

const (
	// AsyncFlush acknowledges once the message is written to the page
	// cache (RocketMQ ASYNC_FLUSH; JetStream's default sync_interval).
	AsyncFlush Flush = "async"
	// SyncFlush acknowledges once the message is on disk (RocketMQ
	// SYNC_FLUSH, group commit; JetStream sync_interval: always).
	SyncFlush Flush = "sync"
)

// Broker is a running `mqbroker --standalone`.
type Broker struct {
	*Process
	NameServer string // where clients connect (NAMESRV_ADDR)
	Addr       string // the broker's own address
	Store      string // its store directory
}

// StartBroker runs bin (an mqbroker) as a standalone broker with its
// NameServer, both on 127.0.0.1 random ports, storing under dir. extra
// arguments go to mqbroker as they are (--cpuprofile FILE).
func StartBroker(ctx context.Context, bin, dir string, flush Flush, extra ...string) (*Broker, error) {
	conf := []string{
		"brokerClusterName=BenchCluster",
		"brokerName=bench-broker",
		"brokerId=0",
		"brokerIP1=127.0.0.1",
		"autoCreateTopicEnable=true",
		fmt.Sprintf("defaultTopicQueueNums=%d", Queues),
		"flushDiskType=" + map[Flush]string{AsyncFlush: "ASYNC_FLUSH", SyncFlush: "SYNC_FLUSH"}[flush],
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, "broker.conf")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	store := filepath.Join(dir, "store")
	args := append([]string{"--standalone", "-c", confPath, "--listen", "127.0.0.1:0", "--namesrv-listen", "127.0.0.1:0", "--store", store}, extra...)
	var addr string
	p, ns, err := StartProcess(ctx, "mqbroker-"+string(flush), dir, bin, args, []string{"HOME=" + dir}, func(out string) (string, bool) {
		ns, broker := parseStandaloneOutput(out)
		addr = broker
		return ns, ns != "" && broker != ""
	})
	if err != nil {
		return nil, err
	}
	return &Broker{Process: p, NameServer: ns, Addr: addr, Store: store}, nil
}

// parseStandaloneOutput reads the addresses mqbroker --standalone prints:
// "broker listening on <addr> (announced as <addr>)" and "clients connect
// with: NAMESRV_ADDR=<addr>".
func parseStandaloneOutput(out string) (ns, broker string) {
	for line := range strings.SplitSeq(out, "\n") {
		if v, ok := strings.CutPrefix(line, "clients connect with: NAMESRV_ADDR="); ok {
			ns = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "broker listening on "); ok {
			if i := strings.Index(v, "(announced as "); i >= 0 {
				broker = strings.TrimSuffix(strings.TrimSpace(v[i+len("(announced as "):]), ")")
			}
		}
	}
	return ns, broker
}
