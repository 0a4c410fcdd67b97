package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// system is one server under test in one persistence mode, reached by one
// client: what a scenario runs against.
type system struct {
	name   string // "fastmq", "jetstream"
	flush  Flush
	client Client
	server *Process // whose CPU time a run charges to the server
	// counters reads the server's own counters (fastmq's runtime info);
	// nil when the server has none.
	counters func(ctx context.Context) (map[string]int64, error)
}

// label is how runs of s are named: "fastmq/async".
func (s *system) label() string { return s.name + "/" + string(s.flush) }

// cpuMeter charges a run with the CPU time its server process used.
type cpuMeter struct {
	p     *Process
	start time.Duration
}

func startCPU(p *Process) cpuMeter {
	if p == nil {
		return cpuMeter{}
	}
	t, _ := p.CPUTime()
	return cpuMeter{p: p, start: t}
}

// perMsg returns the server CPU time used since startCPU, in µs per
// message, or false when it could not be read.
func (c cpuMeter) perMsg(msgs int64) (float64, bool) {
	if c.p == nil || msgs <= 0 {
		return 0, false
	}
	t, err := c.p.CPUTime()
	if err != nil {
		return 0, false
	}
	return float64(t-c.start) / float64(time.Microsecond) / float64(msgs), true
}

// progress prints one line per tick while the suite runs: scenario,
// elapsed time, current rate. Safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (p *progress) printf(format string, args ...any) {
	if p == nil || p.w == nil {
		return
	}
	line := fmt.Sprintf("[%6.1fs] ", time.Since(p.start).Seconds()) + fmt.Sprintf(format, args...) + "\n"
	p.mu.Lock()
	defer p.mu.Unlock()
	io.WriteString(p.w, line)
}

// tickPrinter returns a runLoad tick callback printing the run's name,
// its measured time so far out of total, and the last interval's rate.
func (p *progress) tickPrinter(name string, total time.Duration) func(*loadResult, perf.Sample) {
	return func(r *loadResult, s perf.Sample) {
		p.printf("%-34s %5.1fs/%.0fs %10.0f msg/s %8.1f MiB/s", name, s.Offset.Seconds(), total.Seconds(), s.Rate(), s.ByteRate()/(1<<20))
	}
}
