// Package perf owns measurement for load runs: HDR latency histograms,
// throughput meters with a per-interval series, and run reports written as
// JSON (for machines), a Markdown table (for people) and SVG plots
// (throughput over time, latency percentile curves) that a browser opens.
//
// It imports none of the project's packages; bench/ and the command-line
// tools use it. It starts no goroutines: callers record into a Histogram
// and a Meter from their own load loops and drive Meter.Tick from their own
// ticker, which keeps every result reproducible under a fake clock.
//
// # Exports
//
//   - Histogram (NewHistogram): latency in nanoseconds, 3 significant
//     digits, backed by github.com/HdrHistogram/hdrhistogram-go. Not safe
//     for concurrent use: give each load goroutine its own and Merge them.
//   - Meter (NewMeter): counts events and bytes (atomics, safe from any
//     goroutine) and turns them into a Sample per Tick.
//   - Report, Run, Latency, Throughput: a run's results; WriteJSON,
//     WriteMarkdown, WriteThroughputSVG and WriteLatencySVG render them;
//     ReadJSON reads a report back; Environment fills Report.Env.
//
// # Files
//
//	histogram.go  Histogram, percentiles, the percentile curve
//	meter.go      Meter and its Sample series
//	report.go     Report, Run, summaries, JSON
//	markdown.go   the Markdown table
//	svg.go        the two SVG plots (hand-written SVG, no dependency)
//	env.go        Environment: Go version, GOMAXPROCS, CPU model for Report.Env
package perf
