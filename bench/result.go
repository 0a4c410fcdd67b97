package bench

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// Result is a suite run: every run measured, the comparisons with the peer
// and the limits, and the targets of issue 5 evaluated against them.
type Result struct {
	Report      perf.Report  `json:"report"`
	Profile     Profile      `json:"profile"`
	Finished    time.Time    `json:"finished"`
	Failures    []Failure    `json:"failures,omitempty"`
	Comparisons []Comparison `json:"comparisons"`
	Targets     []Target     `json:"targets"`
}

// Failure is a scenario (or server) that did not complete.
type Failure struct {
	What  string `json:"what"`
	Error string `json:"error"`
}

// Comparison puts one of our figures next to the peer's and the physical
// limit's in the same run. Ratios are ours/peer and ours/limit; 0 when a
// side is missing.
type Comparison struct {
	Scenario string  `json:"scenario"`
	Config   string  `json:"config"`
	Unit     string  `json:"unit"`
	Ours     float64 `json:"ours"`
	Peer     float64 `json:"peer,omitempty"`
	Limit    float64 `json:"limit,omitempty"`
	VsPeer   float64 `json:"ours_per_peer,omitempty"`
	VsLimit  float64 `json:"ours_per_limit,omitempty"`
	// LowerIsBetter marks latencies.
	LowerIsBetter bool `json:"lower_is_better,omitempty"`
}

// Target is one of issue 5's targets, evaluated.
type Target struct {
	Name     string `json:"name"`
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	// Met is true when the goal was reached; Known is false when a figure
	// it needs is missing from this run.
	Met   bool `json:"met"`
	Known bool `json:"known"`
	// By says how far from the goal, in its own terms ("needs 1.6x more").
	By string `json:"by,omitempty"`
}

func (r *Result) add(runs ...perf.Run) { r.Report.Runs = append(r.Report.Runs, runs...) }

func (r *Result) fail(what string, err error) {
	r.Failures = append(r.Failures, Failure{What: what, Error: errString(err)})
}

// find returns the first run whose params include every key=value of kv.
func (r *Result) find(kv ...string) (perf.Run, bool) {
	for _, run := range r.Report.Runs {
		match := true
		for i := 0; i+1 < len(kv); i += 2 {
			if run.Params[kv[i]] != kv[i+1] {
				match = false
				break
			}
		}
		if match {
			return run, true
		}
	}
	return perf.Run{}, false
}

// best returns the highest-rate produce run of a system and flush.
func (r *Result) best(system string, flush Flush) (perf.Run, bool) {
	var out perf.Run
	found := false
	for _, run := range r.Report.Runs {
		p := run.Params
		if p["scenario"] == "produce" && p["system"] == system && p["flush"] == string(flush) &&
			(!found || run.Throughput.Rate > out.Throughput.Rate) {
			out, found = run, true
		}
	}
	return out, found
}

func ratio(a, b float64) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return a / b
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// evaluate fills Comparisons and Targets from the runs.
func (r *Result) evaluate() {
	loop, _ := r.find("limit", "loopback-tcp")
	rtt, _ := r.find("limit", "loopback-rtt")
	disk, _ := r.find("limit", "disk", "batch", strconv.Itoa(128<<10))
	disk4, _ := r.find("limit", "disk", "batch", strconv.Itoa(4<<10))
	limitFor := map[Flush]float64{AsyncFlush: loop.Throughput.Rate, SyncFlush: disk.Throughput.Rate}
	r.Comparisons = nil
	for _, flush := range []Flush{AsyncFlush, SyncFlush} {
		for _, n := range r.Profile.Producers {
			ours, ok := r.find("scenario", "produce", "system", "fastmq", "flush", string(flush), "producers", strconv.Itoa(n))
			if !ok {
				continue
			}
			peer, _ := r.find("scenario", "produce", "system", "jetstream", "flush", string(flush), "producers", strconv.Itoa(n))
			r.compare("produce", fmt.Sprintf("%s flush, %d producers", flush, n), "msg/s", ours.Throughput.Rate, peer.Throughput.Rate, limitFor[flush], false)
		}
	}
	if ours, ok := r.find("scenario", "send-latency", "system", "fastmq"); ok {
		peer, _ := r.find("scenario", "send-latency", "system", "jetstream")
		r.compare("send-latency", "sync flush, "+ours.Params["producers"]+" producers x 1 in flight, p99", "ms",
			ms(ours.Latency.P99), ms(peer.Latency.P99), ms(disk.Latency.P99), true)
	}
	for _, flush := range []Flush{AsyncFlush, SyncFlush} {
		if ours, ok := r.find("scenario", "e2e", "system", "fastmq", "flush", string(flush)); ok {
			peer, _ := r.find("scenario", "e2e", "system", "jetstream", "flush", string(flush))
			r.compare("e2e", fmt.Sprintf("%s flush, %s msg/s, p99", flush, ours.Params["rate"]), "ms",
				ms(ours.Latency.P99), ms(peer.Latency.P99), ms(rtt.Latency.P99), true)
		}
	}
	if ours, ok := r.find("scenario", "catch-up", "system", "fastmq"); ok {
		peer, _ := r.find("scenario", "catch-up", "system", "jetstream")
		r.compare("catch-up", "backlog "+ours.Params["backlog_bytes"]+" B", "MiB/s",
			ours.Throughput.ByteRate/(1<<20), peer.Throughput.ByteRate/(1<<20), loop.Throughput.ByteRate/(1<<20), false)
	}
	if ours, ok := r.find("scenario", "client-cost", "client", "fastmq"); ok {
		off, _ := r.find("scenario", "client-cost", "client", "official")
		r.compare("client-cost", "produce rate (ours vs official client)", "msg/s", ours.Throughput.Rate, off.Throughput.Rate, 0, false)
		for _, k := range []string{"produce_client_cpu_us_per_msg", "produce_client_allocs_per_msg", "consume_client_cpu_us_per_msg", "consume_client_allocs_per_msg"} {
			r.compare("client-cost", k+" (ours vs official client)", "", ours.Metrics[k], off.Metrics[k], 0, true)
		}
	}
	_ = disk4
	r.Targets = r.targets(disk)
}

func (r *Result) compare(scenario, config, unit string, ours, peer, limit float64, lower bool) {
	r.Comparisons = append(r.Comparisons, Comparison{
		Scenario: scenario, Config: config, Unit: unit, Ours: ours, Peer: peer, Limit: limit,
		VsPeer: ratio(ours, peer), VsLimit: ratio(ours, limit), LowerIsBetter: lower,
	})
}

// targets evaluates issue 5's targets; disk is the 128 KiB
// write+fdatasync probe, the raw durable write a group commit does.
func (r *Result) targets(disk perf.Run) []Target {
	var ts []Target
	atLeast := func(name, goal string, ours, peer perf.Run, okO, okP bool, factor, floor float64) {
		t := Target{Name: name, Goal: goal}
		if okO && okP {
			got := ratio(ours.Throughput.Rate, peer.Throughput.Rate)
			t.Known = true
			t.Measured = fmt.Sprintf("%.0f vs %.0f msg/s (%s vs %s): %.2fx", ours.Throughput.Rate, peer.Throughput.Rate, ours.Name, peer.Name, got)
			t.Met = got >= factor && ours.Throughput.Rate >= floor
			if got < factor {
				t.By = fmt.Sprintf("ratio %.2fx short of %.0fx (needs %.2fx more)", got, factor, factor/got)
			} else if ours.Throughput.Rate < floor {
				t.By = fmt.Sprintf("%.0f msg/s short of %.0f", floor-ours.Throughput.Rate, floor)
			}
		} else {
			t.Measured = "not measured in this run"
		}
		ts = append(ts, t)
	}
	oa, okOA := r.best("fastmq", AsyncFlush)
	pa, okPA := r.best("jetstream", AsyncFlush)
	atLeast("produce, async flush", ">= 2x JetStream default (best producer count each)", oa, pa, okOA, okPA, 2, 0)
	os, okOS := r.best("fastmq", SyncFlush)
	ps, okPS := r.best("jetstream", SyncFlush)
	atLeast("produce, sync flush", ">= 25x JetStream sync_interval: always, and >= 100,000 durable msg/s", os, ps, okOS, okPS, 25, 100000)

	t := Target{Name: "send p99, sync flush", Goal: "<= 2x the raw write+fdatasync p99 (128 KiB) of the same run"}
	if lat, ok := r.find("scenario", "send-latency", "system", "fastmq"); ok && disk.Latency.P99 > 0 {
		got := ratio(float64(lat.Latency.P99), float64(disk.Latency.P99))
		t.Known, t.Met = true, got <= 2
		t.Measured = fmt.Sprintf("%s vs %s: %.2fx", perf.FormatLatency(lat.Latency.P99), perf.FormatLatency(disk.Latency.P99), got)
		if !t.Met {
			t.By = fmt.Sprintf("%.2fx over the 2x bound", got/2)
		}
	} else {
		t.Measured = "not measured in this run"
	}
	ts = append(ts, t)

	t = Target{Name: "end-to-end p99 at fixed rate", Goal: "< 1 ms at 10,000 msg/s (async flush)"}
	if e, ok := r.find("scenario", "e2e", "system", "fastmq", "flush", string(AsyncFlush)); ok && e.Params["rate"] == "10000" {
		t.Known, t.Met = true, e.Latency.P99 < time.Millisecond && e.Errors == 0
		t.Measured = fmt.Sprintf("p99 %s (p50 %s, p99.9 %s, max %s), %d lost", perf.FormatLatency(e.Latency.P99),
			perf.FormatLatency(e.Latency.P50), perf.FormatLatency(e.Latency.P999), perf.FormatLatency(e.Latency.Max), e.Errors)
		if e.Latency.P99 >= time.Millisecond {
			t.By = fmt.Sprintf("%.2fx over 1 ms", ms(e.Latency.P99))
		}
	} else if ok {
		t.Measured = "rate " + e.Params["rate"] + " msg/s in this profile (the target is at 10,000)"
	} else {
		t.Measured = "not measured in this run"
	}
	ts = append(ts, t)

	t = Target{Name: "catch-up consume", Goal: ">= 2x JetStream's consumer, backlog >= 2 GiB"}
	oc, okOC := r.find("scenario", "catch-up", "system", "fastmq")
	pc, okPC := r.find("scenario", "catch-up", "system", "jetstream")
	if okOC && okPC {
		got := ratio(oc.Throughput.ByteRate, pc.Throughput.ByteRate)
		backlog, _ := strconv.ParseInt(oc.Params["backlog_bytes"], 10, 64)
		t.Known, t.Met = true, got >= 2 && backlog >= 2<<30
		t.Measured = fmt.Sprintf("%.0f vs %.0f MiB/s: %.2fx, backlog %d MiB", oc.Throughput.ByteRate/(1<<20), pc.Throughput.ByteRate/(1<<20), got, backlog>>20)
		if got < 2 {
			t.By = fmt.Sprintf("needs %.2fx more", 2/got)
		} else if backlog < 2<<30 {
			t.By = "backlog below 2 GiB in this profile"
		}
	} else {
		t.Measured = "not measured in this run"
	}
	ts = append(ts, t)
	return slices.Clip(ts)
}
