package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// Files are the report's files, written side by side under one stamp.
type Files struct {
	Markdown, JSON string
	SVGs           []string
}

// plots names the SVG plots and the runs each draws.
var plots = []struct {
	suffix, title string
	latency       bool
	scenarios     []string
}{
	{"produce-async.svg", "produce, async flush", false, []string{"produce/async"}},
	{"produce-sync.svg", "produce, sync flush", false, []string{"produce/sync"}},
	{"latency.svg", "send (sync flush) and end-to-end latency", true, []string{"send-latency/", "e2e/"}},
	{"catchup.svg", "catch-up consume", false, []string{"catch-up/"}},
}

// WriteFiles writes r under dir as <stamp>.md, <stamp>.json and
// <stamp>-<plot>.svg, and returns the paths.
func (r *Result) WriteFiles(dir, stamp string) (Files, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Files{}, err
	}
	f := Files{Markdown: filepath.Join(dir, stamp+".md"), JSON: filepath.Join(dir, stamp+".json")}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return f, err
	}
	if err := os.WriteFile(f.JSON, js.Bytes(), 0o644); err != nil {
		return f, err
	}
	var svgNames []string
	for _, p := range plots {
		sub := r.Report
		sub.Title, sub.Runs = p.title, nil
		for _, run := range r.Report.Runs {
			key := run.Params["scenario"] + "/" + run.Params["flush"]
			for _, s := range p.scenarios {
				if strings.HasPrefix(key, s) && (p.latency || len(run.Series) > 0) {
					sub.Runs = append(sub.Runs, run)
					break
				}
			}
		}
		if len(sub.Runs) == 0 {
			continue
		}
		var b bytes.Buffer
		var err error
		if p.latency {
			err = perf.WriteLatencySVG(&b, &sub)
		} else {
			err = perf.WriteThroughputSVG(&b, &sub)
		}
		if err != nil {
			return f, err
		}
		path := filepath.Join(dir, stamp+"-"+p.suffix)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return f, err
		}
		f.SVGs = append(f.SVGs, path)
		svgNames = append(svgNames, filepath.Base(path))
	}
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md, svgNames); err != nil {
		return f, err
	}
	return f, os.WriteFile(f.Markdown, md.Bytes(), 0o644)
}

// WriteMarkdown writes the report for people: machine, targets,
// comparisons per scenario, every run, failures, and links to the plots.
func (r *Result) WriteMarkdown(w io.Writer, svgs []string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s, %s\n\n", r.Report.Title, r.Report.Started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(bw, "Run took %s. Client and servers share the machine's cores; figures are from one run of a noisy machine.\n\n",
		r.Finished.Sub(r.Report.Started).Round(time.Second))
	bw.WriteString("## Machine and build\n\n")
	for _, k := range slices.Sorted(maps.Keys(r.Report.Env)) {
		fmt.Fprintf(bw, "- %s: %s\n", k, r.Report.Env[k])
	}
	p := r.Profile
	fmt.Fprintf(bw, "- parameters: %d-byte messages; produce: producers %v, window %d per producer, %s warm-up + %s measured per configuration; "+
		"send latency: %d producers x 1 in flight; end-to-end: %d msg/s for %s; catch-up: %.2f GiB backlog; client cost: 16 producers x window 32 for %s\n\n",
		p.Size, p.Producers, p.Window, p.Warmup, p.Cell, p.LatencyProducers, p.E2ERate, p.E2EDuration, float64(p.Backlog)/(1<<30), p.CostDuration)

	bw.WriteString("## Targets\n\n| target | goal | measured | met |\n|---|---|---|---|\n")
	for _, t := range r.Targets {
		met := "no"
		switch {
		case !t.Known:
			met = "not measured"
		case t.Met:
			met = "yes"
		case t.By != "":
			met = "no: " + t.By
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", t.Name, t.Goal, t.Measured, met)
	}
	bw.WriteString("\n## Side by side\n\nOurs, the peer (NATS JetStream; for client cost, the official RocketMQ Go client) and the physical limit measured in this run " +
		"(produce async: loopback TCP streaming, in 1 KiB messages' worth; produce sync: 128 KiB write+fdatasync batches, in 1 KiB messages' worth; send latency: that probe's p99; " +
		"end-to-end: the p99 of one 1 KiB loopback TCP round trip; catch-up: loopback TCP streaming). " +
		"Ratios are ours/peer and ours/limit; for latencies and costs lower is better.\n\n")
	bw.WriteString("| scenario | configuration | unit | ours | peer | ours/peer | limit | ours/limit |\n|---|---|---|---:|---:|---:|---:|---:|\n")
	for _, c := range r.Comparisons {
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Scenario, c.Config, c.Unit,
			num(c.Ours), num(c.Peer), ratioCell(c.VsPeer), num(c.Limit), ratioCell(c.VsLimit))
	}
	bw.WriteString("\n## Every run\n\n")
	all := r.Report
	all.Title, all.Env = "runs", nil
	all.Started = time.Time{}
	var runs bytes.Buffer
	if err := perf.WriteMarkdown(&runs, &all); err != nil {
		return err
	}
	table := runs.String()
	if i := strings.Index(table, "| run |"); i >= 0 {
		table = table[i:]
	}
	bw.WriteString(table)
	bw.WriteString("\nOther figures per run:\n\n")
	for _, run := range r.Report.Runs {
		if len(run.Metrics) == 0 {
			continue
		}
		parts := make([]string, 0, len(run.Metrics))
		for _, k := range slices.Sorted(maps.Keys(run.Metrics)) {
			parts = append(parts, k+"="+num(run.Metrics[k]))
		}
		fmt.Fprintf(bw, "- %s: %s\n", run.Name, strings.Join(parts, ", "))
	}
	if len(r.Failures) > 0 {
		bw.WriteString("\n## Failures\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(bw, "- %s: %s\n", f.What, strings.ReplaceAll(strings.TrimSpace(f.Error), "\n", " / "))
		}
	}
	if len(svgs) > 0 {
		bw.WriteString("\n## Plots\n\n")
		for _, s := range svgs {
			fmt.Fprintf(bw, "- [%s](%s)\n", s, s)
		}
	}
	return bw.Flush()
}

// num renders v with about three significant digits; "-" for 0.
func num(v float64) string {
	switch {
	case v == 0:
		return "-"
	case v >= 1000 || v <= -1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10 || v <= -10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func ratioCell(v float64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "x"
}
