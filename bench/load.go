package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// maxLatency is the largest latency the histograms resolve; slower
// operations are recorded as saturated.
const maxLatency = time.Minute

// loadSpec describes one produce load: producers publishing sized bodies
// for a time, each with its own window, flat out or at a total rate.
type loadSpec struct {
	topic     string
	producers int
	window    int
	size      int
	warmup    time.Duration // sent but not measured
	duration  time.Duration // measured
	rate      int           // total msgs/s; 0: as fast as the windows allow
	maxMsgs   int64         // stop after this many measured messages; 0: no limit
	// onMeasure and onEnd, when set, are called as measuring starts and
	// stops (a consumer uses them to tell measured messages by their stamp).
	onMeasure, onEnd func(time.Time)
}

// loadResult is what a load measured: the meter and latency histogram
// cover the measured part only.
type loadResult struct {
	meter  *perf.Meter
	hist   *perf.Histogram
	errors atomic.Int64
	sent   atomic.Int64 // every acknowledged message, warm-up included
	start  time.Time    // when measuring began
	end    time.Time
}

// syncHist is a histogram shared by the done callbacks of one producer,
// which run on the client's goroutines.
type syncHist struct {
	mu sync.Mutex
	h  *perf.Histogram
}

func (s *syncHist) record(d time.Duration) {
	s.mu.Lock()
	s.h.Record(d)
	s.mu.Unlock()
}

// minBody is the smallest body a load sends: the stamp and its flag.
const minBody = 9

// stamp writes t (Unix nanoseconds) into the first 8 bytes of body and
// whether the message is measured into the ninth, so a consumer can
// measure end-to-end latency of exactly the messages the producer
// measured.
func stamp(body []byte, t time.Time, measured bool) {
	binary.LittleEndian.PutUint64(body, uint64(t.UnixNano()))
	body[8] = 0
	if measured {
		body[8] = 1
	}
}

// stamped reads what stamp wrote; ok is false for a body too short to
// carry a stamp.
func stamped(body []byte) (t time.Time, measured, ok bool) {
	if len(body) < minBody {
		return time.Time{}, false, false
	}
	return time.Unix(0, int64(binary.LittleEndian.Uint64(body))), body[8] == 1, true
}

// runLoad runs spec against c and returns what it measured. tick, when
// not nil, is called about every interval with the meter so far (progress
// output and the series). A send error counts in errors and the load goes
// on; failing to create producers fails the load.
func runLoad(ctx context.Context, c Client, spec loadSpec, interval time.Duration, tick func(*loadResult, perf.Sample)) (*loadResult, error) {
	spec.size = max(spec.size, minBody)
	prods := make([]Producer, 0, spec.producers)
	defer func() {
		for _, p := range prods {
			p.Close()
		}
	}()
	for range spec.producers {
		p, err := c.NewProducer(ctx, spec.topic, spec.window)
		if err != nil {
			return nil, fmt.Errorf("bench: %s producer: %w", c.Name(), err)
		}
		prods = append(prods, p)
	}
	// Start from a clean disk: the previous cell's gigabyte of dirty pages
	// would otherwise be written back by the kernel during this one, and
	// every fdatasync would queue behind it (the disk probe, run first, had
	// the disk to itself).
	syscall.Sync()
	res := &loadResult{hist: perf.NewHistogram(maxLatency)}
	var measuring atomic.Bool
	var measured atomic.Int64
	hists := make([]*syncHist, len(prods))
	for i := range hists {
		hists[i] = &syncHist{h: perf.NewHistogram(maxLatency)}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var pace *pacer
	if spec.rate > 0 {
		pace = newPacer(spec.rate, spec.producers)
	}
	var wg sync.WaitGroup
	for i, p := range prods {
		wg.Add(1)
		go func() { // owned by runLoad: ends when runCtx does
			defer wg.Done()
			produceLoop(runCtx, p, spec, pace, i, func(sent time.Time, measure bool, err error) {
				if err != nil {
					if measure {
						res.errors.Add(1)
					}
					return
				}
				res.sent.Add(1)
				if !measure {
					return
				}
				hists[i].record(time.Since(sent))
				res.meter.Add(1, int64(spec.size))
				if spec.maxMsgs > 0 && measured.Add(1) >= spec.maxMsgs {
					stop()
				}
			}, &measuring)
		}()
	}
	if !sleepCtx(runCtx, spec.warmup) && ctx.Err() != nil {
		stop()
		wg.Wait()
		return nil, ctx.Err()
	}
	res.start = time.Now()
	res.meter = perf.NewMeter(res.start)
	if spec.onMeasure != nil {
		spec.onMeasure(res.start)
	}
	measuring.Store(true)
	ticker := time.NewTicker(interval)
	deadline := time.NewTimer(spec.duration)
	defer ticker.Stop()
	defer deadline.Stop()
loop:
	for {
		select {
		case now := <-ticker.C:
			s := res.meter.Tick(now)
			if tick != nil {
				tick(res, s)
			}
		case <-deadline.C:
			break loop
		case <-runCtx.Done():
			break loop
		}
	}
	measuring.Store(false)
	res.end = time.Now()
	if spec.onEnd != nil {
		spec.onEnd(res.end)
	}
	res.meter.Tick(res.end)
	stop()
	wg.Wait()
	for _, p := range prods { // wait for the in-flight acks before the next load
		p.Close()
	}
	prods = nil
	for _, h := range hists {
		res.hist.Merge(h.h)
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

// produceLoop publishes from one producer until ctx ends. Latency runs
// from the intended send time under a rate (so a producer that falls
// behind is charged for it, no coordinated omission), from the Publish
// call otherwise. Bodies of a producer are recycled through a pool sized
// by its window.
func produceLoop(ctx context.Context, p Producer, spec loadSpec, pace *pacer, idx int, done func(sent time.Time, measure bool, err error), measuring *atomic.Bool) {
	// Each slot is a body with its send time and its done callback, bound
	// once: the harness allocates nothing per message, so what the
	// client-cost scenario charges to this process is the client's.
	free := make(chan *sendSlot, spec.window+1)
	for range spec.window + 1 {
		sl := &sendSlot{body: make([]byte, spec.size)}
		sl.fn = func(err error) {
			done(sl.sent, sl.measure, err)
			free <- sl
		}
		free <- sl
	}
	for ctx.Err() == nil {
		var sl *sendSlot
		select {
		case sl = <-free:
		case <-ctx.Done():
			return
		}
		sl.sent = time.Now()
		if pace != nil {
			var ok bool
			if sl.sent, ok = pace.next(ctx, idx); !ok {
				return
			}
		}
		sl.measure = measuring.Load()
		stamp(sl.body, sl.sent, sl.measure)
		if err := p.Publish(ctx, sl.body, sl.fn); err != nil {
			if !errors.Is(err, context.Canceled) && ctx.Err() == nil {
				done(sl.sent, sl.measure, err)
			}
			free <- sl
		}
	}
}

// sendSlot is one message of a producer's window: written by the produce
// loop before Publish, read by fn when the send completes.
type sendSlot struct {
	body    []byte
	sent    time.Time
	measure bool
	fn      func(error) // reports to the load, then frees the slot
}

// pacer spreads a total rate over producers: producer i sends its n-th
// message at start + (n*producers+i)/rate.
type pacer struct {
	start     time.Time
	every     time.Duration // between two messages of one producer
	offset    time.Duration // between producers
	mu        sync.Mutex
	n         []int64
	producers int
}

func newPacer(rate, producers int) *pacer {
	return &pacer{
		start:     time.Now(),
		every:     time.Duration(producers) * time.Second / time.Duration(rate),
		offset:    time.Second / time.Duration(rate),
		n:         make([]int64, producers),
		producers: producers,
	}
}

// next waits until producer idx's next send time and returns it, or false
// when ctx ended first.
func (p *pacer) next(ctx context.Context, idx int) (time.Time, bool) {
	p.mu.Lock()
	n := p.n[idx]
	p.n[idx]++
	p.mu.Unlock()
	at := p.start.Add(time.Duration(idx)*p.offset + time.Duration(n)*p.every)
	// Go's timers wake an idle process in whole milliseconds (the runtime
	// rounds a sub-millisecond epoll wait up to 1 ms), which would charge
	// the system up to 1 ms of the harness's own lateness per message. So
	// the timer sleeps only to within coarseSleepMargin of the send time
	// and a thread sleep (preciseSleep) does the rest.
	if d := time.Until(at) - coarseSleepMargin; d > 0 && !sleepCtx(ctx, d) {
		return at, false
	}
	if d := time.Until(at); d > 0 {
		if ctx.Err() != nil {
			return at, false
		}
		preciseSleep(d)
	}
	return at, true
}

// coarseSleepMargin is how long before a send time the pacer leaves
// Go's timer for preciseSleep: more than the timer's 1 ms rounding.
const coarseSleepMargin = 2 * time.Millisecond

// sleepCtx sleeps d or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
