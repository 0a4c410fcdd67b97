package bench

import (
	"context"
	"fmt"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// clientCostScenario is scenario 4: two clients of the same broker doing
// the same work (produce for a time, then consume what they produced),
// charged with the CPU time and heap allocations of this process, where
// only the client under test runs.
type clientCostScenario struct {
	producers int
	window    int
	size      int
	warmup    time.Duration
	duration  time.Duration
}

// selfCost is a snapshot of this process's CPU time and allocations.
type selfCost struct {
	cpu          time.Duration
	allocBytes   uint64
	allocObjects uint64
}

func readSelfCost() selfCost {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/allocs:objects"}}
	metrics.Read(s)
	return selfCost{
		cpu:          time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		allocBytes:   s[0].Value.Uint64(),
		allocObjects: s[1].Value.Uint64(),
	}
}

// addCost records the cost between a and b, per message, in m under
// prefix ("produce_", "consume_").
func addCost(m map[string]float64, prefix string, a, b selfCost, msgs int64) {
	if msgs <= 0 {
		return
	}
	n := float64(msgs)
	m[prefix+"client_cpu_us_per_msg"] = float64(b.cpu-a.cpu) / float64(time.Microsecond) / n
	m[prefix+"client_allocs_per_msg"] = float64(b.allocObjects-a.allocObjects) / n
	m[prefix+"client_alloc_bytes_per_msg"] = float64(b.allocBytes-a.allocBytes) / n
}

func (sc clientCostScenario) run(ctx context.Context, s *system, prog *progress, topicSeq *int) (perf.Run, error) {
	*topicSeq++
	topic := fmt.Sprintf("bench-client-%d", *topicSeq)
	name := fmt.Sprintf("client-cost %s on %s p=%d w=%d", s.client.Name(), s.label(), sc.producers, sc.window)
	if err := s.client.CreateTopic(ctx, topic); err != nil {
		return perf.Run{}, fmt.Errorf("bench: %s create %s: %w", s.label(), topic, err)
	}
	var c0, c1 selfCost
	res, err := runLoad(ctx, s.client, loadSpec{
		topic: topic, producers: sc.producers, window: sc.window, size: sc.size,
		warmup: sc.warmup, duration: sc.duration,
		onMeasure: func(time.Time) { c0 = readSelfCost() },
		onEnd:     func(time.Time) { c1 = readSelfCost() },
	}, tickInterval(sc.duration), prog.tickPrinter(name, sc.duration))
	if err != nil {
		return perf.Run{}, err
	}
	measured, _ := res.meter.Total()
	run := perf.NewRun(name, map[string]string{
		"scenario": "client-cost", "system": s.name, "flush": string(s.flush), "client": s.client.Name(),
		"producers": strconv.Itoa(sc.producers), "window": strconv.Itoa(sc.window), "size": strconv.Itoa(sc.size),
	}, res.meter, res.hist)
	run.Errors = res.errors.Load()
	run.Metrics = map[string]float64{}
	addCost(run.Metrics, "produce_", c0, c1, measured)

	// Consume everything the topic holds (warm-up included), timed.
	stored := res.sent.Load()
	var got atomic.Int64
	a := readSelfCost()
	start := time.Now()
	cons, err := s.client.NewConsumer(ctx, topic, fmt.Sprintf("bench-client-%d", *topicSeq), func([]byte) { got.Add(1) })
	if err != nil {
		return run, fmt.Errorf("bench: %s consumer: %w", s.label(), err)
	}
	deadline := time.Now().Add(max(time.Minute, 10*sc.duration))
	for got.Load() < stored && time.Now().Before(deadline) && sleepCtx(ctx, 2*time.Millisecond) {
	}
	b := readSelfCost()
	elapsed := time.Since(start)
	cons.Close()
	n := got.Load()
	addCost(run.Metrics, "consume_", a, b, n)
	run.Metrics["consume_msgs_per_s"] = float64(n) / elapsed.Seconds()
	run.Metrics["consume_missing"] = float64(max(0, stored-n))
	prog.printf("%-34s done: produce %.0f msg/s (%.1f µs CPU, %.1f allocs per msg), consume %.0f msg/s (%.1f µs CPU, %.1f allocs per msg)", name,
		run.Throughput.Rate, run.Metrics["produce_client_cpu_us_per_msg"], run.Metrics["produce_client_allocs_per_msg"],
		run.Metrics["consume_msgs_per_s"], run.Metrics["consume_client_cpu_us_per_msg"], run.Metrics["consume_client_allocs_per_msg"])
	return run, nil
}
