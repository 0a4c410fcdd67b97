// Command mqbench runs the benchmark suite (`make bench`): our broker and
// its peer, NATS JetStream, side by side in one run, with the physical
// limits of the machine measured in the same run, and writes a dated
// report (Markdown, JSON, SVG plots).
//
//	mqbench [-profile full|quick|smoke] [-out bench/results] [-broker bin/mqbroker]
//	        [-peers-dir bin/peers] [-no-peers] [-work DIR]
//	        [-scenarios produce,e2e,...] [-systems fastmq,jetstream] [-cpuprofile-dir DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fastmq/fastmq/bench"
)

// echoMode is the hidden first argument that makes mqbench the echo
// server of the suite's loopback round-trip probe.
const echoMode = "-loopback-echo"

func main() {
	if len(os.Args) == 2 && os.Args[1] == echoMode {
		if err := bench.ServeEcho(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "mqbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mqbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mqbench", flag.ContinueOnError)
	profile := fs.String("profile", "full", "run length: full (about 5 min), quick (about 1 min) or smoke (seconds per scenario)")
	out := fs.String("out", "bench/results", "where the dated report goes")
	broker := fs.String("broker", "bin/mqbroker", "the mqbroker binary to benchmark")
	peersDir := fs.String("peers-dir", "bin/peers", "where the peer (nats-server) is installed")
	noPeers := fs.Bool("no-peers", false, "run our broker only")
	work := fs.String("work", "", "directory for the servers' stores (default: a new temp dir, removed afterwards)")
	scenarios := fs.String("scenarios", "", "comma-separated scenarios to run (limits,produce,e2e,catch-up,client-cost); default all")
	systems := fs.String("systems", "", "comma-separated systems to run (fastmq,jetstream); default all")
	profDir := fs.String("cpuprofile-dir", "", "write CPU profiles of mqbench (the clients) and of each broker here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, ok := bench.Profiles[*profile]
	if !ok {
		return fmt.Errorf("unknown profile %q (full, quick or smoke)", *profile)
	}
	bin, err := filepath.Abs(*broker)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("broker binary: %w (run `make build` first)", err)
	}
	workDir := *work
	if workDir == "" {
		if workDir, err = os.MkdirTemp("", "mqbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(workDir)
	}
	cfg := bench.Config{Profile: p, BrokerBin: bin, WorkDir: workDir, Commit: commit(), Progress: stdout,
		Scenarios: splitList(*scenarios), Systems: splitList(*systems)}
	if *profDir != "" {
		if cfg.ProfileDir, err = filepath.Abs(*profDir); err != nil {
			return err
		}
		stopProf, err := startCPUProfile(filepath.Join(cfg.ProfileDir, "mqbench.pprof"))
		if err != nil {
			return err
		}
		defer stopProf()
	}
	if self, err := os.Executable(); err == nil {
		cfg.EchoCommand = []string{self, echoMode}
	}
	if !*noPeers {
		if cfg.NATSBinDir, err = filepath.Abs(*peersDir); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "mqbench: profile %s, broker %s, work dir %s, commit %s\n", p.Name, bin, workDir, cfg.Commit)
	res, runErr := bench.Run(ctx, cfg)
	if res == nil {
		return runErr
	}
	stamp := res.Report.Started.UTC().Format("20060102-150405") + "-" + p.Name
	files, err := res.WriteFiles(*out, stamp)
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	fmt.Fprintln(stdout, "\ntargets:")
	for _, t := range res.Targets {
		verdict := map[bool]string{true: "met", false: "MISSED"}[t.Met]
		if !t.Known {
			verdict = "not measured"
		}
		fmt.Fprintf(stdout, "  %-30s %-12s %s\n", t.Name, verdict, t.Measured)
	}
	fmt.Fprintf(stdout, "\nreport: %s\n        %s\n", files.Markdown, files.JSON)
	for _, s := range files.SVGs {
		fmt.Fprintf(stdout, "        %s\n", s)
	}
	if runErr != nil {
		return runErr
	}
	if len(res.Failures) > 0 {
		whats := make([]string, 0, len(res.Failures))
		for _, f := range res.Failures {
			whats = append(whats, f.What)
		}
		slices.Sort(whats)
		return fmt.Errorf("%d part(s) failed: %s (details in the report)", len(res.Failures), strings.Join(whats, ", "))
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// startCPUProfile profiles this process (the clients under test) into
// path until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// commit names the build: `git describe`-like short hash, "+dirty" when
// the work tree has changes, or "unknown" outside a git checkout.
func commit() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += "+dirty"
	}
	return c
}
