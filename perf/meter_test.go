package perf

import (
	"sync"
	"testing"
	"time"
)

func TestMeterSeriesHasOneSamplePerTick(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewMeter(t0)
	m.Add(100, 100*1024)
	s1 := m.Tick(t0.Add(time.Second))
	m.Add(50, 50*1024)
	m.Add(150, 150*1024)
	s2 := m.Tick(t0.Add(1500 * time.Millisecond))
	s3 := m.Tick(t0.Add(2500 * time.Millisecond)) // idle interval

	want := []Sample{
		{Offset: time.Second, Elapsed: time.Second, Count: 100, Bytes: 102400},
		{Offset: 1500 * time.Millisecond, Elapsed: 500 * time.Millisecond, Count: 200, Bytes: 204800},
		{Offset: 2500 * time.Millisecond, Elapsed: time.Second},
	}
	got := m.Series()
	if len(got) != len(want) {
		t.Fatalf("series %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sample %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if s1 != want[0] || s2 != want[1] || s3 != want[2] {
		t.Errorf("Tick results %+v %+v %+v", s1, s2, s3)
	}
	if s2.Rate() != 400 || s2.ByteRate() != 409600 || s3.Rate() != 0 {
		t.Errorf("rates %v %v %v", s2.Rate(), s2.ByteRate(), s3.Rate())
	}
	sum := m.Summary()
	if sum.Count != 300 || sum.Bytes != 307200 || sum.Elapsed != 2500*time.Millisecond {
		t.Errorf("summary %+v", sum)
	}
	if sum.Rate != 120 || sum.MinRate != 0 || sum.MaxRate != 400 {
		t.Errorf("summary rates %+v", sum)
	}
}

func TestMeterIgnoresTickNotAfterThePrevious(t *testing.T) {
	t0 := time.Unix(100, 0)
	m := NewMeter(t0)
	m.Add(1, 1)
	if s := m.Tick(t0); s != (Sample{}) || len(m.Series()) != 0 {
		t.Fatalf("tick at start kept: %+v", s)
	}
	m.Tick(t0.Add(time.Second))
	m.Tick(t0.Add(time.Second / 2))
	if got := m.Series(); len(got) != 1 || got[0].Count != 1 {
		t.Fatalf("series %+v", got)
	}
}

func TestMeterCountsConcurrentAdds(t *testing.T) {
	m := NewMeter(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				m.Add(1, 10)
			}
		})
	}
	wg.Wait()
	if c, b := m.Total(); c != 4000 || b != 40000 {
		t.Fatalf("total %d %d", c, b)
	}
}
