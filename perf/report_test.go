package perf

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var updatePerfGolden = flag.Bool("update-perf-golden", false, "rewrite perf/testdata golden files")

// sampleReport builds a report from known inputs: two runs with fixed
// series and latency distributions.
func sampleReport() *Report {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	mk := func(name string, perTick int64, base time.Duration) Run {
		m := NewMeter(t0)
		h := NewHistogram(0)
		for i := 1; i <= 4; i++ {
			m.Add(perTick*int64(i), perTick*int64(i)*1024)
			m.Tick(t0.Add(time.Duration(i) * time.Second))
		}
		for i := 1; i <= 1000; i++ {
			h.Record(base * time.Duration(i) / 100)
		}
		return NewRun(name, map[string]string{"size": "1KiB", "producers": "4"}, m, h)
	}
	r := &Report{
		Title:   "send | sync",
		Started: t0,
		Env:     map[string]string{"go": "go1.26", "GOMAXPROCS": "2"},
		Runs:    []Run{mk("fastmq", 10000, time.Millisecond), mk("rocketmq <java>", 5000, 2*time.Millisecond)},
	}
	r.Runs[1].Errors = 3
	return r
}

func TestWriteMarkdownMatchesGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "report.md")
	if *updatePerfGolden {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("markdown differs from %s (rerun with -update-perf-golden and read the diff):\n%s", path, buf.String())
	}
}

func TestWriteJSONRoundTrips(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != r.Title || !got.Started.Equal(r.Started) || len(got.Runs) != 2 {
		t.Fatalf("decoded %+v", got)
	}
	a, b := got.Runs[0], r.Runs[0]
	if a.Throughput != b.Throughput || a.Latency.P99 != b.Latency.P99 || len(a.Series) != 4 || len(a.Latency.Curve) != len(b.Latency.Curve) {
		t.Errorf("run differs: %+v\nwant %+v", a, b)
	}
	if r.Runs[0].Throughput.Count != 100000 || r.Runs[0].Throughput.Rate != 25000 {
		t.Errorf("throughput %+v", r.Runs[0].Throughput)
	}
}

// parseSVG decodes the whole document and counts elements by name.
func parseSVG(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	counts := map[string]int{}
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG not well-formed: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
				if se.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("root namespace %q", se.Name.Space)
				}
			}
			counts[se.Name.Local]++
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q", root)
	}
	return counts
}

func TestSVGPlotsAreWellFormedWithOneLinePerRun(t *testing.T) {
	r := sampleReport()
	for name, write := range map[string]func(io.Writer, *Report) error{
		"throughput": WriteThroughputSVG, "latency": WriteLatencySVG,
	} {
		t.Run("plot="+name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := write(&buf, r); err != nil {
				t.Fatal(err)
			}
			counts := parseSVG(t, buf.Bytes())
			if counts["polyline"] != len(r.Runs) {
				t.Errorf("%d polylines for %d runs", counts["polyline"], len(r.Runs))
			}
			if !strings.Contains(buf.String(), "rocketmq &lt;java&gt;") {
				t.Errorf("run name not escaped into the legend")
			}
		})
	}
}

func TestSVGOfEmptyReportIsWellFormed(t *testing.T) {
	r := &Report{Title: "empty", Runs: []Run{{Name: "nothing"}}}
	for _, write := range []func(io.Writer, *Report) error{WriteThroughputSVG, WriteLatencySVG} {
		var buf bytes.Buffer
		if err := write(&buf, r); err != nil {
			t.Fatal(err)
		}
		if counts := parseSVG(t, buf.Bytes()); counts["polyline"] != 0 {
			t.Errorf("polylines %d", counts["polyline"])
		}
		if strings.Contains(buf.String(), "NaN") || strings.Contains(buf.String(), "Inf") {
			t.Errorf("non-numbers in coordinates:\n%s", buf.String())
		}
	}
}

func TestNiceCeil(t *testing.T) {
	f := func(in, want float64) {
		t.Helper()
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
	f(0, 1)
	f(0.7, 1)
	f(1, 1)
	f(1.01, 2)
	f(2.2, 2.5)
	f(37, 50)
	f(40000, 50000)
	f(100001, 200000)
}

func TestFormatLatency(t *testing.T) {
	f := func(in time.Duration, want string) {
		t.Helper()
		if got := FormatLatency(in); got != want {
			t.Errorf("FormatLatency(%v) = %q, want %q", in, got, want)
		}
	}
	f(0, "-")
	f(85300*time.Nanosecond, "85.3µs")
	f(999*time.Microsecond, "999µs")
	f(1250*time.Microsecond, "1.25ms")
	f(1204*time.Millisecond, "1204ms")
}
