package client

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Latency-aware broker fault avoidance, as RocketMQ's Java client does it
// (J4 client/.../latency/MQFaultStrategy.java and
// LatencyFaultToleranceImpl.java, sendLatencyFaultEnable): every send
// attempt reports its broker's latency; a slow or failed broker is set
// aside for a while, longer the slower it was, and queue selection skips
// brokers that are set aside. The steps below are RocketMQ's, unchanged.

// latencyMax and notAvailable are MQFaultStrategy's two tables: a send
// that took at least latencyMax[i] sets its broker aside for
// notAvailable[i]. A failed send counts as 30 s.
var (
	latencyMax   = [...]time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 550 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 15 * time.Second}
	notAvailable = [...]time.Duration{0, 0, 30 * time.Second, 60 * time.Second, 120 * time.Second, 180 * time.Second, 600 * time.Second}
)

// isolationLatency is what a failed attempt counts as.
const isolationLatency = 30 * time.Second

// notAvailableFor is MQFaultStrategy.computeNotAvailableDuration.
func notAvailableFor(latency time.Duration) time.Duration {
	for i := len(latencyMax) - 1; i >= 0; i-- {
		if latency >= latencyMax[i] {
			return notAvailable[i]
		}
	}
	return 0
}

// faultItem is LatencyFaultToleranceImpl.FaultItem.
type faultItem struct {
	broker    string
	latency   time.Duration
	availFrom time.Time // the broker may be picked again from then
}

// faultTolerance is LatencyFaultToleranceImpl: the brokers with a recent
// latency report. Safe for concurrent use.
type faultTolerance struct {
	now func() time.Time // clock seam

	mu struct {
		sync.Mutex
		items map[string]*faultItem
		worst int // whichItemWorst
	}
}

func newFaultTolerance(now func() time.Time) *faultTolerance {
	f := &faultTolerance{now: now}
	f.mu.items = make(map[string]*faultItem)
	return f
}

// update records a send to broker that took latency (isolation: it
// failed).
func (f *faultTolerance) update(broker string, latency time.Duration, isolation bool) {
	if isolation {
		latency = isolationLatency
	}
	d := notAvailableFor(latency)
	f.mu.Lock()
	defer f.mu.Unlock()
	it := f.mu.items[broker]
	if it == nil {
		it = &faultItem{broker: broker}
		f.mu.items[broker] = it
	}
	it.latency = latency
	it.availFrom = f.now().Add(d)
}

// available reports whether broker may be picked now.
func (f *faultTolerance) available(broker string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	it := f.mu.items[broker]
	return it == nil || !f.now().Before(it.availFrom)
}

// remove forgets broker.
func (f *faultTolerance) remove(broker string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.mu.items, broker)
}

// pickOneAtLeast is LatencyFaultToleranceImpl.pickOneAtLeast: among the
// known brokers, shuffled then sorted best first (available, then lower
// latency, then sooner available), take the better half and walk it
// round robin. "" when no broker is known.
func (f *faultTolerance) pickOneAtLeast() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.mu.items) == 0 {
		return ""
	}
	now := f.now()
	list := make([]faultItem, 0, len(f.mu.items))
	for _, it := range f.mu.items {
		list = append(list, *it)
	}
	rand.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
	slices.SortStableFunc(list, func(a, b faultItem) int { return compareFault(a, b, now) })
	half := len(list) / 2
	if half <= 0 {
		return list[0].broker
	}
	f.mu.worst++
	return list[f.mu.worst%half].broker
}

// compareFault is FaultItem.compareTo.
func compareFault(a, b faultItem, now time.Time) int {
	aa, ba := !now.Before(a.availFrom), !now.Before(b.availFrom)
	switch {
	case aa && !ba:
		return -1
	case !aa && ba:
		return 1
	case a.latency != b.latency:
		return cmpDur(a.latency, b.latency)
	}
	return a.availFrom.Compare(b.availFrom)
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
