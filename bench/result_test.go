package bench

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/perf"
)

func fakeRun(rate float64, p99 time.Duration, kv ...string) perf.Run {
	params := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		params[kv[i]] = kv[i+1]
	}
	return perf.Run{Name: strings.Join(kv, " "), Params: params,
		Throughput: perf.Throughput{Count: 1, Rate: rate, ByteRate: rate * 1024},
		Latency:    perf.Latency{Count: 1, P99: p99}}
}

func target(t *testing.T, r *Result, name string) Target {
	t.Helper()
	for _, tg := range r.Targets {
		if tg.Name == name {
			return tg
		}
	}
	t.Fatalf("no target %q in %+v", name, r.Targets)
	return Target{}
}

// TestTargetsCompareBestRunsAndSayHowFarOff checks the evaluation of issue
// 5's targets on made-up runs: best producer count against best, the
// 100,000 msg/s floor, the latency bound, and "not measured" when the peer
// is missing.
func TestTargetsCompareBestRunsAndSayHowFarOff(t *testing.T) {
	r := &Result{Profile: Profiles["full"]}
	prod := func(sys, flush string, n int, rate float64) {
		r.add(fakeRun(rate, time.Millisecond, "scenario", "produce", "system", sys, "flush", flush, "producers", strconv.Itoa(n)))
	}
	prod("fastmq", "async", 1, 150_000)
	prod("fastmq", "async", 16, 260_000)
	prod("jetstream", "async", 1, 90_000)
	prod("jetstream", "async", 16, 120_000)
	prod("fastmq", "sync", 16, 90_000) // 22.5x the peer and under the floor
	prod("jetstream", "sync", 16, 4_000)
	r.add(fakeRun(9_000, 3*time.Millisecond, "scenario", "send-latency", "system", "fastmq", "flush", "sync", "producers", "16"))
	r.add(fakeRun(0, 0, "scenario", "limit", "limit", "disk", "batch", "131072"))
	r.Report.Runs[len(r.Report.Runs)-1].Latency.P99 = 2 * time.Millisecond
	r.add(fakeRun(10_000, 800*time.Microsecond, "scenario", "e2e", "system", "fastmq", "flush", "async", "rate", "10000"))
	r.evaluate()

	if tg := target(t, r, "produce, async flush"); !tg.Known || !tg.Met || !strings.Contains(tg.Measured, "2.17x") {
		t.Errorf("async target: %+v (want met at 260k/120k = 2.17x)", tg)
	}
	if tg := target(t, r, "produce, sync flush"); !tg.Known || tg.Met || !strings.Contains(tg.By, "short of 25x") {
		t.Errorf("sync target: %+v (want missed, 22.5x)", tg)
	}
	if tg := target(t, r, "send p99, sync flush"); !tg.Known || !tg.Met || !strings.Contains(tg.Measured, "1.50x") {
		t.Errorf("latency target: %+v (want met: 3 ms vs 2 ms)", tg)
	}
	if tg := target(t, r, "end-to-end p99 at fixed rate"); !tg.Known || !tg.Met {
		t.Errorf("e2e target: %+v (want met: 800µs)", tg)
	}
	if tg := target(t, r, "catch-up consume"); tg.Known {
		t.Errorf("catch-up target known without runs: %+v", tg)
	}

	// The floor: 25x the peer but under 100,000 msg/s is still a miss.
	r.Report.Runs[5].Throughput.Rate = 3_000
	r.evaluate()
	if tg := target(t, r, "produce, sync flush"); tg.Met || !strings.Contains(tg.By, "short of 100000") {
		t.Errorf("sync target with 30x but 90k msg/s: %+v", tg)
	}

	var produce []Comparison
	for _, c := range r.Comparisons {
		if c.Scenario == "produce" {
			produce = append(produce, c)
		}
	}
	if len(produce) != 3 { // async p=1, async p=16, sync p=16 (the profile's counts that have runs)
		t.Fatalf("produce comparisons: %+v", produce)
	}
	if c := produce[1]; c.Ours != 260_000 || c.Peer != 120_000 || c.VsPeer < 2.16 || c.VsPeer > 2.17 {
		t.Errorf("async p=16 comparison: %+v", c)
	}
}

func TestStampRoundTrip(t *testing.T) {
	body := make([]byte, 1024)
	at := time.Unix(1700000000, 123456789)
	stamp(body, at, true)
	got, measured, ok := stamped(body)
	if !ok || !measured || !got.Equal(at) {
		t.Fatalf("stamped = %v %v %v, want %v true true", got, measured, ok, at)
	}
	stamp(body, at, false)
	if _, measured, _ := stamped(body); measured {
		t.Fatal("an unmeasured stamp reads as measured")
	}
	if _, _, ok := stamped(body[:minBody-1]); ok {
		t.Fatal("a short body reads as stamped")
	}
}

func TestParseStandaloneOutput(t *testing.T) {
	out := "broker listening on [::]:40001 (announced as 127.0.0.1:40001)\nnamesrv listening on 127.0.0.1:40002\nclients connect with: NAMESRV_ADDR=127.0.0.1:40002\n"
	ns, b := parseStandaloneOutput(out)
	if ns != "127.0.0.1:40002" || b != "127.0.0.1:40001" {
		t.Fatalf("parse = %q %q", ns, b)
	}
	if ns, b := parseStandaloneOutput("broker listening on x"); ns != "" || b != "" {
		t.Fatalf("partial output parsed as %q %q", ns, b)
	}
}
