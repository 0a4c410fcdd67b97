package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// catchUpScenario is scenario 3: a backlog of at least backlog bytes is
// produced first, then one consumer reads it from the start.
type catchUpScenario struct {
	backlog   int64
	size      int
	producers int
	window    int
	// minRate bounds both phases: each may last backlog/minRate at most.
	minRate float64 // bytes/s
}

// phaseLimit is how long one phase may take.
func (sc catchUpScenario) phaseLimit() time.Duration {
	return max(time.Minute, time.Duration(float64(sc.backlog)/sc.minRate*float64(time.Second)))
}

func (sc catchUpScenario) run(ctx context.Context, s *system, prog *progress, topicSeq *int) (perf.Run, error) {
	*topicSeq++
	topic := fmt.Sprintf("bench-catchup-%d", *topicSeq)
	name := fmt.Sprintf("catch-up %s %dMiB", s.label(), sc.backlog>>20)
	if err := s.client.CreateTopic(ctx, topic); err != nil {
		return perf.Run{}, fmt.Errorf("bench: %s create %s: %w", s.label(), topic, err)
	}
	msgs := (sc.backlog + int64(sc.size) - 1) / int64(sc.size)
	limit := sc.phaseLimit()
	fill, err := runLoad(ctx, s.client, loadSpec{
		topic: topic, producers: sc.producers, window: sc.window, size: sc.size,
		duration: limit, maxMsgs: msgs,
	}, time.Second, prog.tickPrinter("backlog "+s.label(), limit))
	if err != nil {
		return perf.Run{}, err
	}
	stored := fill.sent.Load()
	if stored < msgs {
		return perf.Run{}, fmt.Errorf("bench: %s: backlog of %d messages not stored in %v (%d stored, %d errors)", name, msgs, limit, stored, fill.errors.Load())
	}
	prog.printf("%-34s backlog stored: %d messages, %.0f MiB", name, stored, float64(stored*int64(sc.size))/(1<<20))

	before, _ := readCounters(ctx, s)
	cpu := startCPU(s.server)
	start := time.Now()
	meter := perf.NewMeter(start)
	var lastAt atomic.Int64
	cons, err := s.client.NewConsumer(ctx, topic, fmt.Sprintf("bench-catchup-%d", *topicSeq), func(body []byte) {
		meter.Add(1, int64(len(body)))
		lastAt.Store(time.Now().UnixNano())
	})
	if err != nil {
		return perf.Run{}, fmt.Errorf("bench: %s consumer: %w", s.label(), err)
	}
	ticker := time.NewTicker(time.Second)
	deadline := time.NewTimer(limit)
	poll := time.NewTicker(5 * time.Millisecond)
	defer ticker.Stop()
	defer deadline.Stop()
	defer poll.Stop()
	timedOut := false
wait:
	for {
		select {
		case now := <-ticker.C:
			smp := meter.Tick(now)
			prog.printf("%-34s %5.1fs %10.0f msg/s %8.1f MiB/s", name, smp.Offset.Seconds(), smp.Rate(), smp.ByteRate()/(1<<20))
		case <-poll.C:
			if n, _ := meter.Total(); n >= stored {
				break wait
			}
		case <-deadline.C:
			timedOut = true
			break wait
		case <-ctx.Done():
			cons.Close()
			return perf.Run{}, ctx.Err()
		}
	}
	end := time.Unix(0, lastAt.Load())
	if timedOut || end.Before(start) {
		end = time.Now()
	}
	meter.Tick(end)
	cons.Close()
	after, _ := readCounters(ctx, s)
	got, gotBytes := meter.Total()
	run := perf.NewRun(name, map[string]string{
		"scenario": "catch-up", "system": s.name, "flush": string(s.flush), "client": s.client.Name(),
		"backlog_bytes": strconv.FormatInt(stored*int64(sc.size), 10), "size": strconv.Itoa(sc.size),
	}, meter, nil)
	// The rate over the whole read, from the consumer's start to its last
	// message (the series' last interval is cut at that message).
	run.Throughput.Count, run.Throughput.Bytes = got, gotBytes
	run.Throughput.Elapsed = end.Sub(start)
	run.Throughput.Rate = float64(got) / end.Sub(start).Seconds()
	run.Throughput.ByteRate = float64(run.Throughput.Bytes) / end.Sub(start).Seconds()
	run.Errors = max(0, stored-got)
	run.Metrics = map[string]float64{"backlog_fill_msgs_per_s": fill.meter.Summary().Rate}
	if v, ok := cpu.perMsg(got); ok {
		run.Metrics["server_cpu_us_per_msg"] = v
	}
	copyMetrics(run.Metrics, before, after)
	prog.printf("%-34s done: %.0f msg/s, %.1f MiB/s, %d of %d messages", name, run.Throughput.Rate, run.Throughput.ByteRate/(1<<20), got, stored)
	return run, nil
}

// readCounters returns the server's counters, or nil when it has none.
func readCounters(ctx context.Context, s *system) (map[string]int64, error) {
	if s.counters == nil {
		return nil, nil
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return s.counters(cctx)
}

// copyMetrics adds, from the broker's counters before and after a read,
// the user-space bytes the broker copied and the heap it allocated per
// byte of messages it served.
func copyMetrics(m map[string]float64, before, after map[string]int64) {
	if before == nil || after == nil {
		return
	}
	d := func(k string) (int64, bool) {
		a, ok1 := after[k]
		b, ok2 := before[k]
		return a - b, ok1 && ok2
	}
	served, ok := d("pullBodyBytesServed")
	if !ok || served <= 0 {
		return
	}
	m["server_bytes_served"] = float64(served)
	inline, ok1 := d("netBytesInlineCopied")
	outbound, ok2 := d("netBytesOutboundCopied")
	if ok1 && ok2 {
		m["server_copied_bytes_per_byte_served"] = float64(inline+outbound) / float64(served)
	}
	if heap, ok := d("goHeapAllocBytes"); ok {
		m["server_heap_bytes_per_byte_served"] = float64(heap) / float64(served)
	}
}
