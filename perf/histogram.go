package perf

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// DefaultHighest is the largest latency a Histogram made with a zero
// highest value tracks; larger values are clamped to it and counted as
// saturated.
const DefaultHighest = time.Minute

// sigFigs is the histogram precision: values are kept to 3 significant
// decimal digits (a relative error of at most 0.1%).
const sigFigs = 3

// Histogram records latencies (time.Duration, nanosecond resolution) in an
// HDR histogram: constant memory, constant-time Record, no allocation per
// value, percentiles within 0.1% of the exact value.
//
// A Histogram is not safe for concurrent use; give each recording
// goroutine its own and Merge them when the run ends.
type Histogram struct {
	h         *hdrhistogram.Histogram
	highest   int64 // ns; immutable
	saturated int64 // values clamped to highest
}

// NewHistogram returns an empty histogram that tracks values from 1 ns up
// to highest (DefaultHighest when highest <= 0).
func NewHistogram(highest time.Duration) *Histogram {
	if highest <= 0 {
		highest = DefaultHighest
	}
	return &Histogram{h: hdrhistogram.New(1, int64(highest), sigFigs), highest: int64(highest)}
}

// Record adds one latency. Negative values count as 0; values above the
// histogram's highest value are clamped to it and counted in Saturated.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	switch {
	case v < 0:
		v = 0
	case v > h.highest:
		v = h.highest
		h.saturated++
	}
	// RecordValue fails only outside [0, highest], excluded above.
	_ = h.h.RecordValue(v)
}

// Merge adds every value recorded in o to h. o is unchanged.
func (h *Histogram) Merge(o *Histogram) {
	h.h.Merge(o.h)
	h.saturated += o.saturated
}

// Reset empties h.
func (h *Histogram) Reset() {
	h.h.Reset()
	h.saturated = 0
}

// Count returns the number of recorded values.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// Saturated returns how many values were above the highest trackable value.
func (h *Histogram) Saturated() int64 { return h.saturated }

// Min returns the smallest recorded value (0 when empty).
func (h *Histogram) Min() time.Duration { return time.Duration(h.h.Min()) }

// Max returns the largest recorded value, to the histogram's precision.
func (h *Histogram) Max() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.Max())
}

// Mean returns the mean of the recorded values.
func (h *Histogram) Mean() time.Duration { return time.Duration(h.h.Mean()) }

// Percentile returns the value below which p percent of the recorded
// values fall (p in [0, 100]); 0 when empty.
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.ValueAtQuantile(p))
}

// PercentilePoint is one point of a percentile curve.
type PercentilePoint struct {
	Percentile float64       `json:"percentile"` // 0..100
	Value      time.Duration `json:"value_ns"`
}

// CurvePercentiles are the percentiles a latency curve is drawn through:
// denser towards the tail, which is what the curve is for.
var curvePercentiles = [...]float64{
	0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99,
	99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 100,
}

// Curve returns the percentile curve: the value at each of a fixed set of
// percentiles from 0 to 100, denser in the tail. Empty when h is.
func (h *Histogram) Curve() []PercentilePoint {
	if h.Count() == 0 {
		return nil
	}
	out := make([]PercentilePoint, len(curvePercentiles))
	for i, p := range curvePercentiles {
		out[i] = PercentilePoint{Percentile: p, Value: h.Percentile(p)}
	}
	return out
}
