package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// produceScenario is scenario 1: producers publishing 1 KiB messages as
// fast as their windows allow, for each producer count, and (for the sync
// latency figure) producers with one message in flight each.
type produceScenario struct {
	producers []int
	window    int
	size      int
	warmup    time.Duration
	duration  time.Duration
	// latencyProducers, when > 0, adds a run of that many producers with
	// window 1 under sync flush: the per-send latency RocketMQ users see
	// from synchronous sends.
	latencyProducers int
}

// run measures s and returns one perf.Run per configuration.
func (sc produceScenario) run(ctx context.Context, s *system, prog *progress, topicSeq *int) ([]perf.Run, error) {
	var runs []perf.Run
	type cell struct {
		producers, window int
		kind              string
	}
	cells := make([]cell, 0, len(sc.producers)+1)
	for _, n := range sc.producers {
		cells = append(cells, cell{n, sc.window, "produce"})
	}
	if sc.latencyProducers > 0 && s.flush == SyncFlush {
		cells = append(cells, cell{sc.latencyProducers, 1, "send-latency"})
	}
	for _, c := range cells {
		*topicSeq++
		topic := fmt.Sprintf("bench-%s-%d", c.kind, *topicSeq)
		if err := s.client.CreateTopic(ctx, topic); err != nil {
			return runs, fmt.Errorf("bench: %s create %s: %w", s.label(), topic, err)
		}
		name := fmt.Sprintf("%s %s p=%d w=%d", c.kind, s.label(), c.producers, c.window)
		cpu := startCPU(s.server)
		res, err := runLoad(ctx, s.client, loadSpec{
			topic: topic, producers: c.producers, window: c.window, size: sc.size,
			warmup: sc.warmup, duration: sc.duration,
		}, tickInterval(sc.duration), prog.tickPrinter(name, sc.duration))
		if err != nil {
			return runs, err
		}
		run := perf.NewRun(name, map[string]string{
			"scenario": c.kind, "system": s.name, "flush": string(s.flush), "client": s.client.Name(),
			"producers": strconv.Itoa(c.producers), "window": strconv.Itoa(c.window),
			"size": strconv.Itoa(sc.size),
		}, res.meter, res.hist)
		run.Errors = res.errors.Load()
		if v, ok := cpu.perMsg(res.sent.Load()); ok {
			run.Metrics = map[string]float64{"server_cpu_us_per_msg": v}
		}
		prog.printf("%-34s done: %.0f msg/s, p99 %s, %d errors", name, run.Throughput.Rate, perf.FormatLatency(run.Latency.P99), run.Errors)
		runs = append(runs, run)
	}
	return runs, nil
}

// tickInterval is the series interval for a measured period d: about ten
// points, between 100 ms and 1 s.
func tickInterval(d time.Duration) time.Duration {
	return min(max(d/10, 100*time.Millisecond), time.Second)
}
