package perf

import (
	"encoding/json"
	"io"
	"time"
)

// Report is the result of one load session: one or more runs measured
// side by side, plus what a reader needs to reproduce them.
type Report struct {
	Title string `json:"title"`
	// Started is when the session began (UTC in the output).
	Started time.Time `json:"started"`
	// Env describes the machine and build: hardware, Go version,
	// GOMAXPROCS, command line. Rendered in key order.
	Env  map[string]string `json:"env,omitempty"`
	Runs []Run             `json:"runs"`
}

// Run is one measured configuration (a peer, a scenario, a parameter set).
type Run struct {
	Name string `json:"name"`
	// Params are the run's parameters (message size, producers, ...).
	Params     map[string]string `json:"params,omitempty"`
	Throughput Throughput        `json:"throughput"`
	Series     []Sample          `json:"series,omitempty"`
	Latency    Latency           `json:"latency"`
	// Errors counts failed operations, which are in neither the
	// throughput nor the latency.
	Errors int64 `json:"errors"`
	// Metrics holds the run's other figures, named with their unit
	// ("server_cpu_us_per_msg", "allocs_per_msg", ...).
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// Throughput summarizes a Meter's series.
type Throughput struct {
	Count    int64         `json:"count"`
	Bytes    int64         `json:"bytes"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	Rate     float64       `json:"rate_per_s"`
	ByteRate float64       `json:"bytes_per_s"`
	MinRate  float64       `json:"min_interval_rate_per_s"`
	MaxRate  float64       `json:"max_interval_rate_per_s"`
}

// Latency summarizes a Histogram.
type Latency struct {
	Count     int64             `json:"count"`
	Saturated int64             `json:"saturated,omitempty"`
	Min       time.Duration     `json:"min_ns"`
	Mean      time.Duration     `json:"mean_ns"`
	P50       time.Duration     `json:"p50_ns"`
	P90       time.Duration     `json:"p90_ns"`
	P99       time.Duration     `json:"p99_ns"`
	P999      time.Duration     `json:"p999_ns"`
	P9999     time.Duration     `json:"p9999_ns"`
	Max       time.Duration     `json:"max_ns"`
	Curve     []PercentilePoint `json:"curve,omitempty"`
}

// Summary returns the latency summary of h, curve included.
func (h *Histogram) Summary() Latency {
	return Latency{
		Count:     h.Count(),
		Saturated: h.Saturated(),
		Min:       h.Min(),
		Mean:      h.Mean(),
		P50:       h.Percentile(50),
		P90:       h.Percentile(90),
		P99:       h.Percentile(99),
		P999:      h.Percentile(99.9),
		P9999:     h.Percentile(99.99),
		Max:       h.Max(),
		Curve:     h.Curve(),
	}
}

// NewRun builds a Run from a meter and a histogram (either may be nil).
func NewRun(name string, params map[string]string, m *Meter, h *Histogram) Run {
	r := Run{Name: name, Params: params}
	if m != nil {
		r.Series = m.Series()
		r.Throughput = summarize(r.Series)
	}
	if h != nil {
		r.Latency = h.Summary()
	}
	return r
}

// WriteJSON writes r as indented JSON. Durations are integer nanoseconds
// (fields ending in _ns), rates are per second.
func WriteJSON(w io.Writer, r *Report) error {
	out := *r
	out.Started = r.Started.UTC()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&out)
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}
