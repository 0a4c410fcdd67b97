package perf

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteMarkdown writes r for people: a heading, the environment as a
// list, and one table row per run with throughput and latency
// percentiles. Numbers are rounded for reading; the JSON keeps them exact.
func WriteMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s\n\n", mdEscape(r.Title))
	if !r.Started.IsZero() {
		fmt.Fprintf(bw, "Started %s.\n\n", r.Started.UTC().Format(time.RFC3339))
	}
	if len(r.Env) > 0 {
		for _, k := range sortedKeys(r.Env) {
			fmt.Fprintf(bw, "- %s: %s\n", mdEscape(k), mdEscape(r.Env[k]))
		}
		bw.WriteString("\n")
	}
	bw.WriteString("| run | params | messages | msg/s | MiB/s | errors | p50 | p90 | p99 | p99.9 | max |\n")
	bw.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for i := range r.Runs {
		writeRow(bw, &r.Runs[i])
	}
	return bw.Flush()
}

func writeRow(w *bufio.Writer, run *Run) {
	t, l := run.Throughput, run.Latency
	cells := []string{
		mdEscape(run.Name),
		mdEscape(formatParams(run.Params)),
		strconv.FormatInt(t.Count, 10),
		strconv.FormatFloat(t.Rate, 'f', 0, 64),
		strconv.FormatFloat(t.ByteRate/(1<<20), 'f', 2, 64),
		strconv.FormatInt(run.Errors, 10),
		FormatLatency(l.P50), FormatLatency(l.P90), FormatLatency(l.P99),
		FormatLatency(l.P999), FormatLatency(l.Max),
	}
	w.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

// FormatLatency renders d with three significant digits in µs or ms:
// "85.3µs", "1.25ms", "1204ms"; "-" for zero (nothing recorded).
func FormatLatency(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	if d < time.Millisecond {
		return sig3(float64(d)/1e3) + "µs"
	}
	return sig3(float64(d)/1e6) + "ms"
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func formatParams(p map[string]string) string {
	parts := make([]string, 0, len(p))
	for _, k := range sortedKeys(p) {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, " ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mdEscape keeps a cell on one line, its pipes from splitting it and its
// angle brackets from reading as HTML.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.NewReplacer("\r", " ", "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
