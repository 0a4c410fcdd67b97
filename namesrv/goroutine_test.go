package namesrv

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// labelledGoroutines returns the stacks of live goroutines whose pprof
// labels mention any of the given label keys.
func labelledGoroutines(keys ...string) string {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
	var out []byte
	for _, stack := range bytes.Split(buf.Bytes(), []byte("\n\n")) {
		for _, k := range keys {
			if bytes.Contains(stack, []byte(`labels: {`)) && bytes.Contains(stack, []byte(`"`+k+`":`)) {
				out = append(append(out, stack...), "\n\n"...)
				break
			}
		}
	}
	return string(out)
}

// TestServerCloseStopsItsGoroutines: after Close, none of the goroutines a
// NameServer started (expiry scanner, KV persister, its netpoll server's
// loops and close notifier) is left.
func TestServerCloseStopsItsGoroutines(t *testing.T) {
	if left := labelledGoroutines("namesrv", "netpoll"); left != "" {
		t.Skipf("goroutines of another test still running:\n%s", left)
	}
	s, err := New(Config{Addr: "127.0.0.1:0", NumEventLoops: 2, IdleTimeout: time.Minute,
		KVConfigPath: filepath.Join(t.TempDir(), "kvConfig.json"), ScanInterval: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	cl := testClient(t)
	register(t, cl, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4}})
	put := protocol.NewRequest(protocol.ReqPutKVConfig)
	(&protocol.KVConfigHeader{Namespace: "ns", Key: "k", Value: "v"}).Encode(put)
	if resp := invoke(t, cl, s.Addr(), put); resp.Code != int32(protocol.RespSuccess) {
		t.Fatalf("put: %d %s", resp.Code, resp.Remark)
	}
	if labelledGoroutines("namesrv") == "" || labelledGoroutines("netpoll") == "" {
		t.Fatal("no labelled goroutines while serving: the check below would prove nothing")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close awaits what it started; gnet's goroutines may take a moment to
	// unwind after the engine reported its stop.
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := labelledGoroutines("namesrv", "netpoll")
		if left == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Close:\n%s", left)
		}
		time.Sleep(time.Millisecond)
	}
}
