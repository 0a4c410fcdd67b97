package broker

import (
	"strconv"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// copyStatKeys are the runtime-info keys the benchmark suite reads to work
// out the bytes copied per byte served.
var copyStatKeys = []string{"netBytesWritten", "netBytesVectored", "netBytesInlineCopied",
	"netBytesOutboundCopied", "pullBodyBytesServed", "goHeapAllocBytes", "goHeapObjects"}

// runtimeCounters reads GET_BROKER_RUNTIME_INFO and parses copyStatKeys.
func runtimeCounters(t *testing.T, addr string) map[string]int64 {
	t.Helper()
	resp := invoke(t, addr, protocol.NewRequest(protocol.ReqGetBrokerRuntimeInfo))
	kv, err := protocol.DecodeKVTable(resp.Body)
	if resp.Code != 0 || err != nil {
		t.Fatalf("runtime info: code %d, %v", resp.Code, err)
	}
	out := make(map[string]int64, len(copyStatKeys))
	for _, k := range copyStatKeys {
		n, err := strconv.ParseInt(kv[k], 10, 64)
		if err != nil {
			t.Fatalf("runtime info %s = %q: %v", k, kv[k], err)
		}
		out[k] = n
	}
	return out
}

// TestRuntimeInfoCountsPullBytesServedWithoutCopy pulls stored messages over
// a real connection: the records reach the socket as vectored (zero-copy)
// bytes, pullBodyBytesServed counts them exactly, and every counter parses
// as an integer and grows with the next pull.
func TestRuntimeInfoCountsPullBytesServedWithoutCopy(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	addr := b.ListenAddr()
	const n = 20
	body := make([]byte, 1000)
	for range n {
		if resp := invoke(t, addr, sendRequest("TopicC", body)); resp.Code != 0 {
			t.Fatalf("send: %d %s", resp.Code, resp.Remark)
		}
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicC") == n })
	before := runtimeCounters(t, addr)
	resp := invoke(t, addr, pullRequest("TopicC", 0, 0, 0, 0))
	if h := pullReply(t, resp); resp.Code != 0 || h.NextBeginOffset != n {
		t.Fatalf("pull: code %d next %d", resp.Code, h.NextBeginOffset)
	}
	served := int64(len(resp.Body))
	if served < n*int64(len(body)) {
		t.Fatalf("pulled %d bytes for %d messages of %d", served, n, len(body))
	}
	after := runtimeCounters(t, addr)
	delta := func(k string) int64 { return after[k] - before[k] }
	if got := delta("pullBodyBytesServed"); got != served {
		t.Errorf("pullBodyBytesServed grew by %d, want %d", got, served)
	}
	if got := delta("netBytesVectored"); got < served {
		t.Errorf("netBytesVectored grew by %d, want ≥ the %d record bytes", got, served)
	}
	if got := delta("netBytesWritten"); got < served {
		t.Errorf("netBytesWritten grew by %d, want ≥ %d", got, served)
	}
	if got := delta("netBytesInlineCopied"); got >= served {
		t.Errorf("netBytesInlineCopied grew by %d: the records were copied (%d bytes)", got, served)
	}
	if delta("goHeapAllocBytes") <= 0 || after["goHeapObjects"] <= 0 {
		t.Errorf("heap counters did not move: before %v after %v", before, after)
	}
	invoke(t, addr, pullRequest("TopicC", 0, 5, 0, 0))
	again := runtimeCounters(t, addr)
	for _, k := range []string{"netBytesWritten", "netBytesVectored", "pullBodyBytesServed", "goHeapAllocBytes"} {
		if again[k] <= after[k] {
			t.Errorf("%s did not grow with a second pull: %d then %d", k, after[k], again[k])
		}
	}
}
