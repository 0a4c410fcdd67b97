// Command mqbroker runs a fastmq broker:
//
//	mqbroker -n host:9876[;host2:9876] -c broker.conf [-p]
//	mqbroker --standalone [-c broker.conf]
//
// -c reads a RocketMQ broker.conf (properties); -n and NAMESRV_ADDR override
// its namesrvAddr; -p prints the effective configuration and exits.
// --standalone also runs a NameServer in the same process and prints the
// address clients should use. SIGTERM or SIGINT stops the broker cleanly:
// no new sends, in-flight ones answered, offsets and configs written,
// unregistered from the NameServers, the store closed (abort marker removed).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"syscall"

	"github.com/fastmq/fastmq/broker"
	"github.com/fastmq/fastmq/namesrv"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "mqbroker:", err)
		os.Exit(1)
	}
}

// options are the command line flags.
type options struct {
	namesrv     string
	confPath    string
	print       bool
	standalone  bool
	listen      string
	namesrvAddr string
	storeDir    string
	verbose     bool
	cpuProfile  string
	tracePath   string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("mqbroker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.namesrv, "n", "", "NameServer addresses, host:port[;host:port] (overrides namesrvAddr and NAMESRV_ADDR)")
	fs.StringVar(&o.confPath, "c", "", "broker.conf properties file")
	fs.BoolVar(&o.print, "p", false, "print the effective configuration and exit")
	fs.BoolVar(&o.standalone, "standalone", false, "also run a NameServer in this process")
	fs.StringVar(&o.listen, "listen", "", "exact broker listen address, e.g. 127.0.0.1:0 (overrides listenPort)")
	fs.StringVar(&o.namesrvAddr, "namesrv-listen", "", "standalone NameServer listen address (default :9876; port 0 picks one)")
	fs.StringVar(&o.storeDir, "store", "", "storePathRootDir (overrides broker.conf)")
	fs.BoolVar(&o.verbose, "v", false, "debug logging")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&o.tracePath, "trace", "", "write a Go execution trace of the whole run to this file (go tool trace)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, nil
}

// config builds the broker configuration: broker.conf, then NAMESRV_ADDR,
// then flags.
func (o *options) config(log *slog.Logger) (broker.Config, error) {
	var cfg broker.Config
	if o.confPath != "" {
		f, err := os.Open(o.confPath)
		if err != nil {
			return cfg, err
		}
		props, order, err := parseProperties(f)
		f.Close()
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", o.confPath, err)
		}
		if err := applyProperties(&cfg, props, order, log); err != nil {
			return cfg, err
		}
	}
	if env := os.Getenv("NAMESRV_ADDR"); env != "" {
		cfg.NamesrvAddrs = splitAddrs(env)
	}
	if o.namesrv != "" {
		cfg.NamesrvAddrs = splitAddrs(o.namesrv)
	}
	if o.listen != "" {
		cfg.ListenAddr = o.listen
	}
	if o.storeDir != "" {
		cfg.StorePathRootDir = o.storeDir
	}
	if o.standalone && cfg.StorePathRootDir == "" {
		cfg.StorePathRootDir = defaultStandaloneStore()
	}
	cfg.Logger = log
	return cfg, nil
}

// defaultStandaloneStore is $HOME/store, or ./store without a home.
func defaultStandaloneStore() string {
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, "store")
	}
	return "store"
}

// run is main without the exit; stop (tests) replaces the signal channel.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := o.config(log)
	if err != nil {
		return err
	}
	if o.print {
		eff := cfg.Effective()
		printConfig(stdout, &eff)
		return nil
	}
	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	if o.tracePath != "" {
		stopTrace, err := startTrace(o.tracePath)
		if err != nil {
			return err
		}
		defer stopTrace()
	}
	var ns *namesrv.Server
	if o.standalone {
		if ns, err = startNamesrv(o, log); err != nil {
			return err
		}
		defer ns.Close()
		cfg.NamesrvAddrs = append([]string{localAddr(ns.Addr())}, cfg.NamesrvAddrs...)
	}
	if len(cfg.NamesrvAddrs) == 0 {
		log.Warn("no NameServer address (-n, NAMESRV_ADDR or namesrvAddr): clients will not find this broker")
	}
	b, err := broker.Open(cfg)
	if err != nil {
		return err
	}
	if err := b.Start(); err != nil {
		b.Close()
		return err
	}
	fmt.Fprintf(stdout, "broker listening on %s (announced as %s)\n", b.ListenAddr(), b.Addr())
	if ns != nil {
		fmt.Fprintf(stdout, "namesrv listening on %s\n", ns.Addr())
		fmt.Fprintf(stdout, "clients connect with: NAMESRV_ADDR=%s\n", localAddr(ns.Addr()))
	}
	if stop == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		stop = ch
	}
	sig := <-stop
	log.Info("shutting down", "signal", sig)
	if err := b.Close(); err != nil {
		return fmt.Errorf("close broker: %w", err)
	}
	log.Info("broker stopped cleanly")
	return nil
}

// startCPUProfile profiles the process into path until the returned stop.
func startCPUProfile(path string) (func(), error) {
	return recordTo(path, pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// startTrace starts a Go execution trace into path and returns its stop.
func startTrace(path string) (func(), error) {
	return recordTo(path, trace.Start, trace.Stop)
}

// recordTo creates path, starts a recorder writing to it, and returns what
// stops the recorder and closes the file.
func recordTo(path string, start func(io.Writer) error, stop func()) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		stop()
		f.Close()
	}, nil
}

func startNamesrv(o *options, log *slog.Logger) (*namesrv.Server, error) {
	addr := o.namesrvAddr
	if addr == "" {
		addr = namesrv.DefaultAddr
	}
	ns, err := namesrv.New(namesrv.Config{Addr: addr, Logger: log})
	if err != nil {
		return nil, err
	}
	if err := ns.Start(); err != nil {
		return nil, fmt.Errorf("start NameServer on %s: %w", addr, err)
	}
	return ns, nil
}

// localAddr turns a wildcard listen address (":9876", "[::]:9876") into one
// a local client can dial.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" || strings.HasPrefix(host, "[") {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
