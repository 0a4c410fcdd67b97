package perf

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// within reports whether got is within rel (relative) of want.
func within(got, want time.Duration, rel float64) bool {
	return math.Abs(float64(got-want)) <= rel*float64(want)
}

func TestHistogramPercentilesOfUniformDistribution(t *testing.T) {
	h := NewHistogram(0)
	// Every microsecond from 1 to 10000, once: the p-th percentile is
	// p% of 10 ms.
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, p := range []float64{1, 10, 50, 90, 99, 99.9} {
		want := time.Duration(p * 100 * float64(time.Microsecond))
		if got := h.Percentile(p); !within(got, want, 0.002) {
			t.Errorf("p%v = %v, want %v ±0.2%%", p, got, want)
		}
	}
	if h.Count() != 10000 {
		t.Errorf("count %d", h.Count())
	}
	if got := h.Mean(); !within(got, 5000500*time.Nanosecond, 0.002) {
		t.Errorf("mean %v", got)
	}
	if h.Min() != time.Microsecond || !within(h.Max(), 10*time.Millisecond, 0.001) {
		t.Errorf("min %v max %v", h.Min(), h.Max())
	}
}

func TestHistogramPercentilesOfExponentialDistributionMatchExactQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := NewHistogram(0)
	vals := make([]time.Duration, 200000)
	for i := range vals {
		vals[i] = time.Duration(rng.ExpFloat64() * float64(time.Millisecond))
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, p := range []float64{50, 90, 99, 99.9} {
		exact := vals[int(math.Ceil(p/100*float64(len(vals))))-1]
		if got := h.Percentile(p); !within(got, exact, 0.002) {
			t.Errorf("p%v = %v, exact %v", p, got, exact)
		}
	}
	// Against the distribution itself: p50 of Exp(1 ms) is ln 2 ms.
	if got := h.Percentile(50); !within(got, 693147*time.Nanosecond, 0.02) {
		t.Errorf("p50 %v, want about %v", got, 693147*time.Nanosecond)
	}
}

func TestHistogramBimodalTail(t *testing.T) {
	h := NewHistogram(time.Second)
	for range 990 {
		h.Record(100 * time.Microsecond)
	}
	for range 10 {
		h.Record(50 * time.Millisecond)
	}
	if got := h.Percentile(99); !within(got, 100*time.Microsecond, 0.001) {
		t.Errorf("p99 %v", got)
	}
	if got := h.Percentile(99.5); !within(got, 50*time.Millisecond, 0.001) {
		t.Errorf("p99.5 %v", got)
	}
}

func TestHistogramClampsAndCountsSaturatedValues(t *testing.T) {
	h := NewHistogram(time.Second)
	h.Record(-time.Second)
	h.Record(time.Hour)
	if h.Count() != 2 || h.Saturated() != 1 {
		t.Fatalf("count %d saturated %d", h.Count(), h.Saturated())
	}
	if h.Min() != 0 || !within(h.Max(), time.Second, 0.001) {
		t.Errorf("min %v max %v", h.Min(), h.Max())
	}
}

func TestHistogramMergeEqualsRecordingEverything(t *testing.T) {
	a, b, all := NewHistogram(0), NewHistogram(0), NewHistogram(0)
	for i := range 5000 {
		d := time.Duration(i*i) * time.Nanosecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(b)
	for _, p := range []float64{0, 25, 50, 75, 99, 100} {
		if a.Percentile(p) != all.Percentile(p) {
			t.Errorf("p%v merged %v, direct %v", p, a.Percentile(p), all.Percentile(p))
		}
	}
	a.Reset()
	if a.Count() != 0 || a.Percentile(50) != 0 || a.Curve() != nil {
		t.Errorf("after reset: count %d", a.Count())
	}
}

func TestHistogramCurveIsMonotonic(t *testing.T) {
	h := NewHistogram(0)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		h.Record(time.Duration(rng.Int64N(int64(time.Second))))
	}
	c := h.Curve()
	if len(c) == 0 || c[0].Percentile != 0 || c[len(c)-1].Percentile != 100 {
		t.Fatalf("curve ends: %+v", c)
	}
	for i := 1; i < len(c); i++ {
		if c[i].Percentile <= c[i-1].Percentile || c[i].Value < c[i-1].Value {
			t.Errorf("curve not monotonic at %d: %+v then %+v", i, c[i-1], c[i])
		}
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := NewHistogram(0)
	if n := testing.AllocsPerRun(1000, func() { h.Record(123 * time.Microsecond) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}
