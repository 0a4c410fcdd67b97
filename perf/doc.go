// Package perf will own measurement: HDR latency histograms, throughput
// meters and run reports (JSON, Markdown, SVG). Nothing is implemented yet.
package perf
