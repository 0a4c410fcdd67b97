package perf

import (
	"sync"
	"sync/atomic"
	"time"
)

// Sample is one interval of a Meter's series.
type Sample struct {
	// Offset is the end of the interval, measured from the meter's start.
	Offset time.Duration `json:"offset_ns"`
	// Elapsed is the interval's length.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Count and Bytes are what was added during the interval.
	Count int64 `json:"count"`
	Bytes int64 `json:"bytes"`
}

// Rate returns the interval's events per second (0 for an empty interval).
func (s Sample) Rate() float64 { return perSecond(s.Count, s.Elapsed) }

// ByteRate returns the interval's bytes per second.
func (s Sample) ByteRate() float64 { return perSecond(s.Bytes, s.Elapsed) }

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Meter measures throughput: Add counts events and bytes from any goroutine
// (two atomic adds), and Tick, called by the owner of the run on its own
// ticker, closes an interval and appends its Sample to the series. The
// meter takes times from its caller, never from a clock of its own, so a
// test drives it with made-up times.
type Meter struct {
	count atomic.Int64
	bytes atomic.Int64

	mu struct {
		sync.Mutex
		start     time.Time // immutable after NewMeter
		last      time.Time // end of the last closed interval
		lastCount int64
		lastBytes int64
		series    []Sample
	}
}

// NewMeter returns a meter whose first interval starts at start.
func NewMeter(start time.Time) *Meter {
	m := &Meter{}
	m.mu.start, m.mu.last = start, start
	return m
}

// Add counts n events of size bytes in total.
func (m *Meter) Add(n, bytes int64) {
	m.count.Add(n)
	m.bytes.Add(bytes)
}

// Total returns everything added so far.
func (m *Meter) Total() (count, bytes int64) { return m.count.Load(), m.bytes.Load() }

// Tick closes the interval that ends at now and returns its sample. A now
// not after the previous tick yields an empty sample that is not kept.
func (m *Meter) Tick(now time.Time) Sample {
	count, bytes := m.Total()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.After(m.mu.last) {
		return Sample{}
	}
	s := Sample{
		Offset:  now.Sub(m.mu.start),
		Elapsed: now.Sub(m.mu.last),
		Count:   count - m.mu.lastCount,
		Bytes:   bytes - m.mu.lastBytes,
	}
	m.mu.last, m.mu.lastCount, m.mu.lastBytes = now, count, bytes
	m.mu.series = append(m.mu.series, s)
	return s
}

// Series returns a copy of the closed intervals, oldest first.
func (m *Meter) Series() []Sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Sample, len(m.mu.series))
	copy(out, m.mu.series)
	return out
}

// Summary returns the throughput over the closed intervals: totals, the
// mean rate over their whole span, and the lowest and highest interval
// rates.
func (m *Meter) Summary() Throughput {
	return summarize(m.Series())
}

func summarize(series []Sample) Throughput {
	var t Throughput
	for i, s := range series {
		t.Count += s.Count
		t.Bytes += s.Bytes
		t.Elapsed += s.Elapsed
		r := s.Rate()
		if i == 0 || r < t.MinRate {
			t.MinRate = r
		}
		if r > t.MaxRate {
			t.MaxRate = r
		}
	}
	t.Rate = perSecond(t.Count, t.Elapsed)
	t.ByteRate = perSecond(t.Bytes, t.Elapsed)
	return t
}
