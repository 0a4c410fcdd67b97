package main

import (
	"context"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/fastmq/fastmq/perf"
)

// latencies collects send latencies from many goroutines (perf.Histogram
// is single-writer, so a mutex guards it; fine for a logging test).
type latencies struct {
	mu sync.Mutex
	h  *perf.Histogram
}

func (l *latencies) record(d time.Duration) {
	l.mu.Lock()
	l.h.Record(d)
	l.mu.Unlock()
}

// TestPerfOfficialClient measures, with a standalone broker in its own
// process, how fast 16 goroutines of the official client send 1 KiB
// messages (sync sends, then async sends) under ASYNC_FLUSH and
// SYNC_FLUSH, with send latency percentiles (sync: the call; async: call to
// callback), and how fast one push consumer then reads them. It only logs:
// timings are not asserted. Run with
//
//	FASTMQ_PERF_MSGS=100000 go test -run TestPerfOfficialClient -v ./cmd/mqbroker/
func TestPerfOfficialClient(t *testing.T) {
	skipUnderRace(t)
	n, _ := strconv.Atoi(os.Getenv("FASTMQ_PERF_MSGS"))
	if n <= 0 {
		t.Skip("set FASTMQ_PERF_MSGS to run")
	}
	for _, flush := range []string{"ASYNC_FLUSH", "SYNC_FLUSH"} {
		t.Run("flush="+flush, func(t *testing.T) {
			p := startStandalone(t, t.TempDir(), "flushDiskType="+flush, "mappedFileSizeCommitLog=1073741824",
				"maxHashSlotNum=500000", "maxIndexNum=2000000")
			prod, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{p.nsAddr}),
				producer.WithGroupName("perf"), producer.WithRetry(0))
			if err != nil {
				t.Fatal(err)
			}
			if err := prod.Start(); err != nil {
				t.Fatal(err)
			}
			defer prod.Shutdown()
			body := make([]byte, 1024)
			ctx := context.Background()
			if _, err := prod.SendSync(ctx, primitive.NewMessage("Perf", body)); err != nil {
				t.Fatal(err)
			}
			var lat latencies
			run := func(mode string, send func() error) {
				lat.h = perf.NewHistogram(time.Minute)
				var next atomic.Int64
				var failed atomic.Int64
				var wg sync.WaitGroup
				start := time.Now()
				for g := 0; g < 16; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for next.Add(1) <= int64(n) {
							if send() != nil {
								failed.Add(1)
							}
						}
					}()
				}
				wg.Wait()
				d := time.Since(start)
				t.Logf("%s %s: %d msgs of 1 KiB from 16 goroutines in %v: %.0f msgs/s (%d failed)", flush, mode, n, d.Round(time.Millisecond),
					float64(n)/d.Seconds(), failed.Load())
			}
			report := func(mode string) {
				lat.mu.Lock()
				defer lat.mu.Unlock()
				t.Logf("%s %s latency: p50 %v p99 %v p99.9 %v max %v (%d sends)", flush, mode, lat.h.Percentile(50), lat.h.Percentile(99),
					lat.h.Percentile(99.9), lat.h.Max(), lat.h.Count())
			}
			run("sync send", func() error {
				begin := time.Now()
				_, err := prod.SendSync(ctx, primitive.NewMessage("Perf", body))
				lat.record(time.Since(begin))
				return err
			})
			report("sync send")
			var pending sync.WaitGroup
			run("async send", func() error {
				pending.Add(1)
				begin := time.Now()
				err := prod.SendAsync(ctx, func(context.Context, *primitive.SendResult, error) {
					lat.record(time.Since(begin))
					pending.Done()
				}, primitive.NewMessage("Perf", body))
				if err != nil {
					pending.Done()
				}
				return err
			})
			pending.Wait()
			report("async send")

			total := int64(2*n + 1)
			var got atomic.Int64
			c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{p.nsAddr}), consumer.WithGroupName("perf-c"),
				consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset), consumer.WithPullBatchSize(32))
			if err != nil {
				t.Fatal(err)
			}
			c.Subscribe("Perf", consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
				got.Add(int64(len(msgs)))
				return consumer.ConsumeSuccess, nil
			})
			start := time.Now()
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			defer c.Shutdown()
			deadline := time.Now().Add(5 * time.Minute)
			for got.Load() < total && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			d := time.Since(start)
			t.Logf("%s push consume: %d of %d msgs in %v: %.0f msgs/s", flush, got.Load(), total, d.Round(time.Millisecond), float64(got.Load())/d.Seconds())
			c.Shutdown()
			p.stop(t, syscall.SIGTERM) // a clean stop writes --cpuprofile
		})
	}
}
