package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSuiteSmoke runs every scenario of the suite for about a second each,
// on our broker and on the JetStream peer, and checks that each produced
// its figures, that no message was lost on the way, and that the report's
// files are written and readable.
func TestSuiteSmoke(t *testing.T) {
	if raceEnabled {
		t.Skip("the suite drives the official Go client, which has data races of its own")
	}
	if testing.Short() {
		t.Skip("runs servers for about a minute")
	}
	natsBin := testNATSBin(t)
	cfg := Config{
		Profile:    Profiles["smoke"],
		BrokerBin:  testBrokerBin(t),
		NATSBinDir: filepath.Dir(natsBin),
		WorkDir:    t.TempDir(),
		Commit:     "test",
		Progress:   testWriter{t},
	}
	if filepath.Base(natsBin) != "nats-server" { // FASTMQ_NATS_SERVER under another name
		cfg.NATSBinDir = t.TempDir()
		if err := os.Symlink(natsBin, filepath.Join(cfg.NATSBinDir, "nats-server")); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Failures {
		t.Errorf("failure: %s: %s", f.What, f.Error)
	}
	want := [][]string{
		{"scenario", "limit", "limit", "loopback-tcp"},
		{"scenario", "limit", "limit", "loopback-rtt"},
		{"scenario", "limit", "limit", "disk", "batch", "4096"},
		{"scenario", "limit", "limit", "disk", "batch", "131072"},
		{"scenario", "send-latency", "system", "fastmq"},
		{"scenario", "send-latency", "system", "jetstream"},
		{"scenario", "catch-up", "system", "fastmq"},
		{"scenario", "catch-up", "system", "jetstream"},
		{"scenario", "client-cost", "client", "fastmq"},
		{"scenario", "client-cost", "client", "official"},
	}
	for _, sys := range []string{"fastmq", "jetstream"} {
		for _, flush := range []string{"async", "sync"} {
			want = append(want, []string{"scenario", "e2e", "system", sys, "flush", flush})
			for _, p := range []string{"1", "4"} {
				want = append(want, []string{"scenario", "produce", "system", sys, "flush", flush, "producers", p})
			}
		}
	}
	for _, kv := range want {
		run, ok := res.find(kv...)
		if !ok {
			t.Errorf("no run with %v", kv)
			continue
		}
		if run.Throughput.Count == 0 {
			t.Errorf("%s measured nothing", run.Name)
		}
		if run.Errors != 0 && kv[1] != "limit" {
			t.Errorf("%s: %d errors (failed sends or messages never received)", run.Name, run.Errors)
		}
		if kv[1] == "produce" || kv[1] == "send-latency" || kv[1] == "e2e" {
			if run.Latency.Count == 0 || run.Latency.P99 <= 0 {
				t.Errorf("%s has no latency figures", run.Name)
			}
		}
	}
	if c, ok := res.find("scenario", "catch-up", "system", "fastmq"); ok {
		if c.Metrics["server_bytes_served"] < float64(Profiles["smoke"].Backlog) {
			t.Errorf("catch-up: the broker reports serving %v bytes, less than the %d-byte backlog", c.Metrics["server_bytes_served"], Profiles["smoke"].Backlog)
		}
		if _, ok := c.Metrics["server_copied_bytes_per_byte_served"]; !ok {
			t.Errorf("catch-up: no copy figure: %v", c.Metrics)
		}
	}
	if len(res.Targets) != 5 {
		t.Fatalf("%d targets, want 5", len(res.Targets))
	}
	for _, tg := range res.Targets {
		if tg.Name != "end-to-end p99 at fixed rate" && !tg.Known { // smoke runs e2e at 1,000 msg/s
			t.Errorf("target %q not evaluated: %s", tg.Name, tg.Measured)
		}
	}

	dir := t.TempDir()
	files, err := res.WriteFiles(dir, "smoke")
	if err != nil {
		t.Fatal(err)
	}
	if len(files.SVGs) != len(plots) {
		t.Errorf("%d plots written, want %d", len(files.SVGs), len(plots))
	}
	for _, svg := range files.SVGs {
		b, err := os.ReadFile(svg)
		if err != nil || !bytes.HasPrefix(bytes.TrimSpace(b), []byte("<svg")) && !bytes.HasPrefix(bytes.TrimSpace(b), []byte("<?xml")) {
			t.Errorf("%s is not an SVG document (%v)", svg, err)
		}
	}
	md, err := os.ReadFile(files.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"## Targets", "## Side by side", "GOMAXPROCS", "commit: test", "produce fastmq/sync p=4"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("report lacks %q", s)
		}
	}
	var back Result
	b, err := os.ReadFile(files.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("JSON report does not read back: %v", err)
	}
	if len(back.Report.Runs) != len(res.Report.Runs) || len(back.Targets) != len(res.Targets) {
		t.Errorf("JSON report lost runs or targets: %d/%d runs, %d/%d targets", len(back.Report.Runs), len(res.Report.Runs), len(back.Targets), len(res.Targets))
	}
}

// testWriter sends the suite's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
