package mmapstore

import (
	"fmt"
	"log/slog"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
	"golang.org/x/sys/unix"
)

// Benchmark parameters from the environment, with defaults that keep
// `make bench` short. FASTMQ_BENCH_SEGMENT_MB: segment size (default 128);
// FASTMQ_BENCH_SCAN_MB: bytes of messages the scan benchmark reads (default 128;
// the full run uses 1024).
func benchEnvMB(name string, def int) int64 {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return int64(v) << 20
	}
	return int64(def) << 20
}

var benchSizes = []struct {
	name string
	size int
}{{"100B", 100}, {"1KiB", 1024}, {"4KiB", 4096}}

// latencyHist is a log-linear histogram of nanosecond latencies (16
// sub-buckets per power of two, under 7% error), safe for concurrent use.
type latencyHist struct {
	counts [64 * 16]atomic.Int64
	max    atomic.Int64
}

func (h *latencyHist) record(d time.Duration) {
	ns := max(int64(d), 1)
	e := 63 - bits.LeadingZeros64(uint64(ns))
	sub := 0
	if e >= 4 {
		sub = int(ns>>(e-4)) & 15
	}
	h.counts[e*16+sub].Add(1)
	for {
		m := h.max.Load()
		if ns <= m || h.max.CompareAndSwap(m, ns) {
			break
		}
	}
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *latencyHist) quantile(q float64) time.Duration {
	var total int64
	for i := range h.counts {
		total += h.counts[i].Load()
	}
	if total == 0 {
		return 0
	}
	want := int64(q * float64(total))
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen > want {
			e, sub := i/16, i%16
			if e < 4 {
				return time.Duration(1 << e)
			}
			return time.Duration((16 + int64(sub) + 1) << (e - 4))
		}
	}
	return time.Duration(h.max.Load())
}

func (h *latencyHist) report(b *testing.B, prefix string) {
	b.ReportMetric(float64(h.quantile(0.50))/1e3, prefix+"-p50-us")
	b.ReportMetric(float64(h.quantile(0.99))/1e3, prefix+"-p99-us")
	b.ReportMetric(float64(h.quantile(0.999))/1e3, prefix+"-p99.9-us")
	b.ReportMetric(float64(h.max.Load())/1e3, prefix+"-max-us")
}

func benchLog(b *testing.B, flush FlushDiskType, pwrite bool) *CommitLog {
	b.Helper()
	cfg := Config{
		StorePathRootDir:        b.TempDir(),
		MappedFileSizeCommitLog: benchEnvMB("FASTMQ_BENCH_SEGMENT_MB", 128),
		FlushDiskType:           flush,
		WriteWithMmap:           !pwrite,
		// Recovery lines on stderr would split the benchmark's result lines.
		Logger: slog.New(slog.DiscardHandler),
	}
	l, err := Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

func benchMessage(bodySize int) protocol.StoredMessage {
	return protocol.StoredMessage{
		Topic:      []byte("BenchTopic"),
		Body:       make([]byte, bodySize),
		BornHost:   protocol.AppendHost(nil, benchHost),
		Properties: protocol.AppendProperty(nil, protocol.PropertyTags, "TagA"),
	}
}

func benchSize(bodySize int) int {
	m := benchMessage(bodySize)
	return m.Size()
}

func modeName(pwrite bool) string {
	if pwrite {
		return "pwrite"
	}
	return "mmap"
}

// BenchmarkCommitLogAppendAsync appends under async flush from one
// goroutine: append latency is the Append call.
func BenchmarkCommitLogAppendAsync(b *testing.B) {
	for _, pwrite := range []bool{false, true} {
		for _, sz := range benchSizes {
			b.Run(fmt.Sprintf("mode=%s/size=%s", modeName(pwrite), sz.name), func(b *testing.B) {
				l := benchLog(b, AsyncFlush, pwrite)
				m := benchMessage(sz.size)
				var h latencyHist
				b.SetBytes(int64(m.Size()))
				b.ReportAllocs()
				start := time.Now()
				for b.Loop() {
					t0 := time.Now()
					if err := l.Append(&m, nil); err != nil {
						b.Fatal(err)
					}
					h.record(time.Since(t0))
					m.StoreHost = nil
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
				h.report(b, "append")
				st := l.Stats()
				b.ReportMetric(float64(st.InlineSegments+st.RollWaits), "stalled-rolls")
			})
		}
	}
}

// BenchmarkCommitLogAppendDeferred is the event-loop send path under async
// flush: batches of 1, 8 or 32 AppendDeferred calls, then one WritePending
// (the loop's batch-end hook). One op is one message.
func BenchmarkCommitLogAppendDeferred(b *testing.B) {
	for _, batch := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("batch=%d/size=1KiB", batch), func(b *testing.B) {
			l := benchLog(b, AsyncFlush, true)
			m := benchMessage(1024)
			b.SetBytes(int64(m.Size()))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if err := l.AppendDeferred(&m); err != nil {
					b.Fatal(err)
				}
				m.StoreHost = nil
				if n++; n == batch {
					n = 0
					if err := l.WritePending(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkCommitLogAppendSync appends 1 KiB messages under sync flush
// (group commit) with 1, 16 and 128 appenders, each waiting for its message
// to be durable before sending the next; "durable" latency is Append call to
// completion. drive=goroutines runs one goroutine per appender blocked on a
// Waiter; drive=loops keeps the appenders as slots of one event-loop
// goroutine per CPU that the completions wake in batches, the way the
// network layer uses the log (no parked goroutine per request).
func BenchmarkCommitLogAppendSync(b *testing.B) {
	for _, pwrite := range []bool{true, false} {
		for _, appenders := range []int{1, 16, 128} {
			b.Run(fmt.Sprintf("mode=%s/drive=goroutines/appenders=%d/size=1KiB", modeName(pwrite), appenders), func(b *testing.B) {
				benchSync(b, pwrite, appenders, 1024)
			})
		}
		for _, appenders := range []int{16, 128} {
			b.Run(fmt.Sprintf("mode=%s/drive=loops/appenders=%d/size=1KiB", modeName(pwrite), appenders), func(b *testing.B) {
				benchSyncLoops(b, pwrite, appenders, 1024)
			})
		}
	}
}

// benchSyncLoops drives appenders slots from one goroutine per CPU. Each
// completion puts its slot back on the loop's ready channel; the loop
// appends for every ready slot, until b.N appends were issued in total.
func benchSyncLoops(b *testing.B, pwrite bool, appenders, size int) {
	l := benchLog(b, SyncFlush, pwrite)
	var call, durable latencyHist
	loops := runtimeProcs()
	b.SetBytes(int64(benchSize(size)))
	b.ReportAllocs()
	var issued, retired atomic.Int64
	total := int64(b.N)
	b.ResetTimer()
	start := time.Now()
	doneAll := make(chan struct{})
	for li := range loops {
		n := appenders / loops
		if li < appenders%loops {
			n++
		}
		go func() {
			ready := make(chan int, n)
			msgs := make([]protocol.StoredMessage, n)
			starts := make([]time.Time, n)
			dones := make([]Done, n)
			for s := range n {
				msgs[s] = benchMessage(size)
				dones[s] = func(err error) {
					if err != nil {
						panic(err)
					}
					durable.record(time.Since(starts[s]))
					ready <- s
				}
				ready <- s
			}
			retiredHere := 0
			for s := range ready {
				if issued.Add(1) > total { // this slot is finished
					if retired.Add(1) == int64(appenders) {
						close(doneAll)
					}
					if retiredHere++; retiredHere == n {
						return
					}
					continue
				}
				starts[s] = time.Now()
				msgs[s].StoreHost = nil
				if err := l.Append(&msgs[s], dones[s]); err != nil {
					panic(err)
				}
				call.record(time.Since(starts[s]))
			}
		}()
	}
	<-doneAll
	elapsed := time.Since(start)
	st := l.Stats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(st.GroupCommitted)/float64(max(st.GroupCommits, 1)), "msgs/sync")
	durable.report(b, "durable")
	call.report(b, "append")
}

func benchSync(b *testing.B, pwrite bool, appenders, size int) {
	l := benchLog(b, SyncFlush, pwrite)
	var call, durable latencyHist
	b.SetBytes(int64(benchSize(size)))
	b.ReportAllocs()
	one := func(m *protocol.StoredMessage, w *Waiter) {
		t0 := time.Now()
		if err := l.Append(m, w.Done()); err != nil {
			b.Fatal(err)
		}
		call.record(time.Since(t0))
		if err := w.Wait(); err != nil {
			b.Fatal(err)
		}
		durable.record(time.Since(t0))
		m.StoreHost = nil
	}
	start := time.Now()
	if appenders == 1 {
		m, w := benchMessage(size), NewWaiter()
		for b.Loop() {
			one(&m, w)
		}
	} else {
		b.SetParallelism(max(1, appenders/runtimeProcs()))
		b.RunParallel(func(pb *testing.PB) {
			m, w := benchMessage(size), NewWaiter()
			for pb.Next() {
				one(&m, w)
			}
		})
	}
	elapsed := time.Since(start)
	st := l.Stats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(st.GroupCommitted)/float64(max(st.GroupCommits, 1)), "msgs/sync")
	durable.report(b, "durable")
	call.report(b, "append")
}

// BenchmarkRawPwrite is the page-cache limit for the async benchmark:
// sequential pwrite of the same record sizes into new files of the segment
// size (the same stream of fresh dirty pages the commit log produces).
func BenchmarkRawPwrite(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run("size="+sz.name, func(b *testing.B) {
			dir := b.TempDir()
			fileSize := benchEnvMB("FASTMQ_BENCH_SEGMENT_MB", 128)
			p := make([]byte, benchSize(sz.size))
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			var f *os.File
			defer func() { f.Close() }()
			off, files := fileSize, 0
			start := time.Now()
			for b.Loop() {
				if off+int64(len(p)) > fileSize {
					if f != nil {
						f.Close()
					}
					var err error
					if f, err = os.Create(filepath.Join(dir, strconv.Itoa(files))); err != nil {
						b.Fatal(err)
					}
					files, off = files+1, 0
				}
				if _, err := unix.Pwrite(int(f.Fd()), p, off); err != nil {
					b.Fatal(err)
				}
				off += int64(len(p))
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkRawPwriteFdatasync is the durable limit for the sync benchmark:
// per op, one pwrite of a batch of batch×1 KiB records and one fdatasync,
// over a pre-written (zero-filled, synced) or a fallocated file, as group
// commit does at best with batches of that size. Reported per message.
func BenchmarkRawPwriteFdatasync(b *testing.B) {
	for _, prep := range []string{"falloc", "written"} {
		for _, batch := range []int{1, 16, 64, 128} {
			b.Run(fmt.Sprintf("prep=%s/batch=%d/size=1KiB", prep, batch), func(b *testing.B) {
				benchRawSync(b, prep == "written", batch)
			})
		}
	}
}

func benchRawSync(b *testing.B, written bool, batch int) {
	f, fileSize := rawFile(b, written)
	p := make([]byte, benchSize(1024)*batch)
	var h latencyHist
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	var off int64
	start := time.Now()
	for b.Loop() {
		if off+int64(len(p)) > fileSize { // a fresh file: never overwrite what this run wrote
			b.StopTimer()
			f, _ = rawFile(b, written)
			off = 0
			b.StartTimer()
		}
		t0 := time.Now()
		if _, err := unix.Pwrite(int(f.Fd()), p, off); err != nil {
			b.Fatal(err)
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
		h.record(time.Since(t0))
		off += int64(len(p))
	}
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "msgs/s")
	h.report(b, "sync")
}

// rawFile creates a file of the benchmark segment size, zero-filled and
// synced when written is set, else fallocated.
func rawFile(b *testing.B, written bool) (*os.File, int64) {
	b.Helper()
	size := benchEnvMB("FASTMQ_BENCH_SEGMENT_MB", 128)
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "raw"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	if written {
		if _, err := zeroFill(osFileOps(), f, 0, size); err != nil {
			b.Fatal(err)
		}
	} else if err := allocate(f, size); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	return f, size
}

// BenchmarkCommitLogScan reads stored 1 KiB messages sequentially through
// the mapping with a Scanner and decodes each in place. One op is one message.
func BenchmarkCommitLogScan(b *testing.B) {
	l := benchLog(b, AsyncFlush, false)
	m := benchMessage(1024)
	total := benchEnvMB("FASTMQ_BENCH_SCAN_MB", 128)
	for l.MaxOffset() < total {
		if err := l.Append(&m, nil); err != nil {
			b.Fatal(err)
		}
		m.StoreHost = nil
	}
	var d protocol.StoredMessage
	s := l.NewScanner(0)
	b.SetBytes(int64(m.Size()))
	b.ReportAllocs()
	for b.Loop() {
		if !s.Next() {
			if s.Err() != nil {
				b.Fatal(s.Err())
			}
			s.Close()
			s = l.NewScanner(l.MinOffset())
			if !s.Next() {
				b.Fatal("empty log")
			}
		}
		if err := protocol.DecodeStoredMessage(s.Record(), &d); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
}
