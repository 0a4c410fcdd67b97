package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// Profile sets the length of a suite run. Every scenario is bounded by
// its profile in time and in count.
type Profile struct {
	Name      string
	Size      int           // message body bytes
	Producers []int         // produce scenario: producer counts
	Window    int           // messages in flight per producer
	Warmup    time.Duration // before each measured period
	Cell      time.Duration // each produce configuration
	// LatencyProducers producers with one message in flight each measure
	// send latency under sync flush.
	LatencyProducers int
	E2ERate          int
	E2EDuration      time.Duration
	Backlog          int64 // catch-up scenario, bytes
	CostDuration     time.Duration
	LimitDuration    time.Duration
	// Bound is the whole run's hard limit.
	Bound time.Duration
}

// Profiles are the suite's lengths: full (`make bench`, about 5 minutes
// on 2 cores), quick (`make bench-quick`, about 1 minute) and smoke (the
// harness test: each scenario for about a second).
var Profiles = map[string]Profile{
	"full": {
		Name: "full", Size: 1024, Producers: []int{1, 16, 64}, Window: 128,
		Warmup: time.Second, Cell: 7 * time.Second, LatencyProducers: 16,
		E2ERate: 10000, E2EDuration: 15 * time.Second,
		Backlog: 2 << 30, CostDuration: 7 * time.Second, LimitDuration: 3 * time.Second,
		Bound: 20 * time.Minute,
	},
	"quick": {
		Name: "quick", Size: 1024, Producers: []int{1, 16, 64}, Window: 128,
		Warmup: 300 * time.Millisecond, Cell: 1500 * time.Millisecond, LatencyProducers: 16,
		E2ERate: 10000, E2EDuration: 2 * time.Second,
		Backlog: 128 << 20, CostDuration: 1500 * time.Millisecond, LimitDuration: time.Second,
		Bound: 6 * time.Minute,
	},
	"smoke": {
		Name: "smoke", Size: 1024, Producers: []int{1, 4}, Window: 16,
		Warmup: 100 * time.Millisecond, Cell: time.Second, LatencyProducers: 4,
		E2ERate: 1000, E2EDuration: time.Second,
		Backlog: 4 << 20, CostDuration: time.Second, LimitDuration: 500 * time.Millisecond,
		Bound: 5 * time.Minute,
	},
}

// Config says what a suite run uses and where it writes.
type Config struct {
	Profile Profile
	// BrokerBin is the mqbroker binary to run.
	BrokerBin string
	// NATSBinDir is where the NATS peer is installed (or found); empty
	// runs no peer.
	NATSBinDir string
	// WorkDir holds the servers' stores and logs; on the file system
	// being measured.
	WorkDir string
	// Commit names the build in the report.
	Commit string
	// Progress receives a line per tick; nil is silent.
	Progress io.Writer
	// Scenarios and Systems, when not empty, restrict the run to those
	// names (scenarios: limits, produce, e2e, catch-up, client-cost;
	// systems: fastmq, jetstream), to look closer at one figure.
	Scenarios, Systems []string
	// EchoCommand, when set, runs the echo server of the loopback
	// round-trip probe as its own process (see ServeEcho).
	EchoCommand []string
	// ProfileDir, when set, gets a CPU profile of every broker process
	// (mqbroker-<flush>.pprof), for where the time goes.
	ProfileDir string
}

// wants reports whether the run includes scenario and system ("" matches).
func (c *Config) wants(scenario, system string) bool {
	return (scenario == "" || len(c.Scenarios) == 0 || slices.Contains(c.Scenarios, scenario)) &&
		(system == "" || len(c.Systems) == 0 || slices.Contains(c.Systems, system))
}

// Run runs the suite and returns its result. A scenario that fails is
// recorded in Result.Failures and the others still run; the error is for
// what stopped the whole run.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	p := cfg.Profile
	if p.Name == "" {
		return nil, errors.New("bench: no profile")
	}
	ctx, cancel := context.WithTimeout(ctx, p.Bound)
	defer cancel()
	r := &Result{
		Report:  perf.Report{Title: "fastmq bench (" + p.Name + ")", Started: time.Now(), Env: environment(cfg)},
		Profile: p,
	}
	prog := &progress{w: cfg.Progress, start: time.Now()}
	s := &suite{cfg: cfg, prog: prog, res: r}
	if cfg.wants("limits", "") {
		s.limits(ctx)
	}
	if cfg.wants("", "fastmq") {
		s.fastmq(ctx, AsyncFlush)
		s.fastmq(ctx, SyncFlush)
	}
	switch {
	case !cfg.wants("", "jetstream"):
	case cfg.NATSBinDir != "":
		s.jetstream(ctx)
	default:
		r.fail("jetstream", errors.New("peer not run (no NATS bin dir given)"))
	}
	r.Finished = time.Now()
	r.evaluate()
	return r, ctx.Err()
}

// suite is one run in progress.
type suite struct {
	cfg      Config
	prog     *progress
	res      *Result
	topicSeq int
}

func (s *suite) limits(ctx context.Context) {
	p := s.cfg.Profile
	s.prog.printf("limits: loopback TCP and write+fdatasync in %s", s.cfg.WorkDir)
	if run, err := loopbackLimit(ctx, p.LimitDuration); err != nil {
		s.res.fail("limit loopback-tcp", err)
	} else {
		s.res.add(run)
	}
	if run, err := loopbackRTT(ctx, s.cfg.WorkDir, s.cfg.EchoCommand, p.Size, p.LimitDuration); err != nil {
		s.res.fail("limit loopback-rtt", err)
	} else {
		s.res.add(run)
		s.prog.printf("%-34s p50 %s, p99 %s", run.Name, perf.FormatLatency(run.Latency.P50), perf.FormatLatency(run.Latency.P99))
	}
	for _, batch := range []int{4 << 10, 128 << 10} {
		if run, err := diskLimit(ctx, s.cfg.WorkDir, batch, p.Size, p.LimitDuration); err != nil {
			s.res.fail("limit disk", err)
		} else {
			s.res.add(run)
			s.prog.printf("%-34s %.0f MiB/s, p99 %s", run.Name, run.Throughput.ByteRate/(1<<20), perf.FormatLatency(run.Latency.P99))
		}
	}
}

// fastmq runs every scenario on our broker in one flush mode: with our
// client, and (async flush) the client-cost comparison with the official
// client on the same broker.
func (s *suite) fastmq(ctx context.Context, flush Flush) {
	label := "fastmq/" + string(flush)
	dir := filepath.Join(s.cfg.WorkDir, "fastmq-"+string(flush))
	defer os.RemoveAll(dir)
	var extra []string
	if s.cfg.ProfileDir != "" {
		extra = append(extra, "--cpuprofile", filepath.Join(s.cfg.ProfileDir, "mqbroker-"+string(flush)+".pprof"))
	}
	b, err := StartBroker(ctx, s.cfg.BrokerBin, dir, flush, extra...)
	if err != nil {
		s.res.fail(label, err)
		return
	}
	defer func() {
		if err := b.Stop(); err != nil {
			s.res.fail(label+" stop", err)
		}
	}()
	s.prog.printf("%s: broker up, NameServer %s, broker %s", label, b.NameServer, b.Addr)
	c, err := NewFastmqClient(b.NameServer)
	if err != nil {
		s.res.fail(label, err)
		return
	}
	defer c.Close()
	sys := &system{name: "fastmq", flush: flush, client: c, server: b.Process, counters: brokerCounters(b)}
	s.common(ctx, sys)
	if flush != AsyncFlush {
		return
	}
	if s.cfg.wants("catch-up", "") {
		s.catchUp(ctx, sys)
	}
	if !s.cfg.wants("client-cost", "") {
		return
	}
	s.clientCost(ctx, sys)
	oc, err := NewOfficialClient(b.NameServer)
	if err != nil {
		s.res.fail("official client", err)
		return
	}
	defer oc.Close()
	s.clientCost(ctx, &system{name: "fastmq", flush: flush, client: oc, server: b.Process})
}

// jetstream runs the same scenarios on NATS JetStream, default
// persistence and then sync_interval: always.
func (s *suite) jetstream(ctx context.Context) {
	s.prog.printf("jetstream: installing nats-server %s into %s", NATSServerVersion, s.cfg.NATSBinDir)
	bin, err := InstallNATS(ctx, s.cfg.NATSBinDir)
	if err != nil {
		s.res.fail("jetstream install", err)
		return
	}
	for _, flush := range []Flush{AsyncFlush, SyncFlush} {
		s.natsRun(ctx, bin, flush)
	}
}

func (s *suite) natsRun(ctx context.Context, bin string, flush Flush) {
	label := "jetstream/" + string(flush)
	dir := filepath.Join(s.cfg.WorkDir, "jetstream-"+string(flush))
	defer os.RemoveAll(dir)
	n, err := StartNATS(ctx, bin, dir, flush)
	if err != nil {
		s.res.fail(label, err)
		return
	}
	defer func() {
		if err := n.Stop(); err != nil {
			s.res.fail(label+" stop", err)
		}
	}()
	s.prog.printf("%s: server up at %s", label, n.URL)
	c, err := NewJetStreamClient(n.URL)
	if err != nil {
		s.res.fail(label, err)
		return
	}
	defer c.Close()
	sys := &system{name: "jetstream", flush: flush, client: c, server: n.Process}
	s.common(ctx, sys)
	if flush == AsyncFlush && s.cfg.wants("catch-up", "") {
		s.catchUp(ctx, sys)
	}
}

// common runs the scenarios every system gets in both flush modes.
func (s *suite) common(ctx context.Context, sys *system) {
	p := s.cfg.Profile
	if s.cfg.wants("produce", "") {
		runs, err := produceScenario{
			producers: p.Producers, window: p.Window, size: p.Size, warmup: p.Warmup,
			duration: p.Cell, latencyProducers: p.LatencyProducers,
		}.run(ctx, sys, s.prog, &s.topicSeq)
		s.res.add(runs...)
		if err != nil {
			s.res.fail("produce "+sys.label(), err)
		}
	}
	if s.cfg.wants("e2e", "") {
		run, err := e2eScenario{
			rate: p.E2ERate, size: p.Size, warmup: p.Warmup, duration: p.E2EDuration, drain: 10 * time.Second,
		}.run(ctx, sys, s.prog, &s.topicSeq)
		if err != nil {
			s.res.fail("e2e "+sys.label(), err)
		} else {
			s.res.add(run)
		}
	}
}

func (s *suite) catchUp(ctx context.Context, sys *system) {
	p := s.cfg.Profile
	run, err := catchUpScenario{
		backlog: p.Backlog, size: p.Size, producers: 4, window: 256, minRate: 10 << 20,
	}.run(ctx, sys, s.prog, &s.topicSeq)
	if err != nil {
		s.res.fail("catch-up "+sys.label(), err)
		return
	}
	s.res.add(run)
}

func (s *suite) clientCost(ctx context.Context, sys *system) {
	p := s.cfg.Profile
	run, err := clientCostScenario{
		producers: 16, window: 32, size: p.Size, warmup: p.Warmup, duration: p.CostDuration,
	}.run(ctx, sys, s.prog, &s.topicSeq)
	if err != nil {
		s.res.fail("client-cost "+sys.client.Name(), err)
		return
	}
	s.res.add(run)
}

// environment describes the machine, the build and the peers.
func environment(cfg Config) map[string]string {
	env := perf.Environment()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		env["kernel"] = strings.TrimSpace(string(b))
	}
	if mem := memTotal(); mem > 0 {
		env["memory"] = strconv.FormatFloat(float64(mem)/(1<<30), 'f', 1, 64) + " GiB"
	}
	env["commit"] = cfg.Commit
	env["profile"] = cfg.Profile.Name
	env["peer"] = "nats-server " + NATSServerVersion + " (JetStream, file storage, R1)"
	env["official client"] = "github.com/apache/rocketmq-client-go/v2 v2.1.2"
	env["work dir"] = cfg.WorkDir
	return env
}

// memTotal returns MemTotal from /proc/meminfo in bytes, or 0.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// errString keeps a failure's text for the report.
func errString(err error) string { return fmt.Sprint(err) }
