package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// e2eScenario is scenario 2: one producer at a fixed rate, one consumer,
// latency from the intended send time (stamped in the body) to delivery.
type e2eScenario struct {
	rate     int
	size     int
	warmup   time.Duration
	duration time.Duration
	drain    time.Duration // how long to wait for the last messages
}

// e2eWindow bounds a producer's in-flight messages in the e2e scenario:
// large enough that acknowledgements never throttle the rate.
const e2eWindow = 256

func (sc e2eScenario) run(ctx context.Context, s *system, prog *progress, topicSeq *int) (perf.Run, error) {
	*topicSeq++
	topic := fmt.Sprintf("bench-e2e-%d", *topicSeq)
	name := fmt.Sprintf("e2e %s rate=%d", s.label(), sc.rate)
	if err := s.client.CreateTopic(ctx, topic); err != nil {
		return perf.Run{}, fmt.Errorf("bench: %s create %s: %w", s.label(), topic, err)
	}
	var got, any atomic.Int64
	lat := &syncHist{h: perf.NewHistogram(maxLatency)}
	cons, err := s.client.NewConsumer(ctx, topic, fmt.Sprintf("bench-e2e-%d", *topicSeq), func(body []byte) {
		now := time.Now()
		any.Add(1)
		t, measured, ok := stamped(body)
		if !ok || !measured {
			return
		}
		lat.record(now.Sub(t))
		got.Add(1)
	})
	if err != nil {
		return perf.Run{}, fmt.Errorf("bench: %s consumer: %w", s.label(), err)
	}
	defer cons.Close()
	if err := waitConsumerReady(ctx, s.client, topic, &any); err != nil {
		return perf.Run{}, fmt.Errorf("bench: %s: %w", name, err)
	}
	cpu := startCPU(s.server)
	res, err := runLoad(ctx, s.client, loadSpec{
		topic: topic, producers: 1, window: e2eWindow, size: sc.size, rate: sc.rate,
		warmup: sc.warmup, duration: sc.duration,
	}, tickInterval(sc.duration), prog.tickPrinter(name, sc.duration))
	if err != nil {
		return perf.Run{}, err
	}
	want, _ := res.meter.Total()
	deadline := time.Now().Add(sc.drain)
	for got.Load() < want && time.Now().Before(deadline) && sleepCtx(ctx, 10*time.Millisecond) {
	}
	cons.Close()
	lat.mu.Lock()
	run := perf.NewRun(name, map[string]string{
		"scenario": "e2e", "system": s.name, "flush": string(s.flush), "client": s.client.Name(),
		"rate": strconv.Itoa(sc.rate), "size": strconv.Itoa(sc.size),
	}, res.meter, lat.h)
	lat.mu.Unlock()
	run.Errors = res.errors.Load() + max(0, want-got.Load()) // failed sends, then messages never received
	run.Metrics = map[string]float64{"received": float64(got.Load()), "acknowledged": float64(want)}
	if v, ok := cpu.perMsg(want); ok {
		run.Metrics["server_cpu_us_per_msg"] = v
	}
	prog.printf("%-34s done: p50 %s p99 %s p99.9 %s max %s, %d of %d received", name,
		perf.FormatLatency(run.Latency.P50), perf.FormatLatency(run.Latency.P99),
		perf.FormatLatency(run.Latency.P999), perf.FormatLatency(run.Latency.Max), got.Load(), want)
	return run, nil
}

// waitConsumerReady publishes a probe message every 50 ms until the
// consumer has received something (its queues are assigned and it is
// pulling), for up to 30 s.
func waitConsumerReady(ctx context.Context, c Client, topic string, received *atomic.Int64) error {
	p, err := c.NewProducer(ctx, topic, 16)
	if err != nil {
		return err
	}
	defer p.Close()
	deadline := time.Now().Add(30 * time.Second)
	body := make([]byte, minBody) // stamp zero, not measured
	for received.Load() == 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("consumer received nothing in 30 s")
		}
		if err := p.Publish(ctx, body, func(error) {}); err != nil {
			return err
		}
		if !sleepCtx(ctx, 50*time.Millisecond) {
			return ctx.Err()
		}
	}
	return nil
}
