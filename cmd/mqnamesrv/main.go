// Command mqnamesrv runs a fastmq NameServer, RocketMQ's route registry:
// brokers register (every 30 s) and clients look topic routes up.
//
// Usage:
//
//	mqnamesrv [-c namesrv.conf] [-p] [-l host:port]
//
// -c reads a properties file with RocketMQ's NameServer keys (listenPort,
// default 9876; kvConfigPath; orderMessageEnable;
// scanNotActiveBrokerInterval; ...); unknown keys are warned about. -p
// prints the effective configuration and exits. -l overrides the listen
// address (port 0 picks a free one). Once serving, it prints
// "The Name Server boot success. serializeType=JSON listen=<addr>" on
// stdout. Logs go to stderr. SIGTERM or SIGINT shut it down cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/fastmq/fastmq/namesrv"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and streams, returning the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mqnamesrv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	confPath := fs.String("c", "", "NameServer properties file (RocketMQ keys: listenPort, kvConfigPath, ...)")
	printOnly := fs.Bool("p", false, "print the effective configuration and exit")
	listen := fs.String("l", "", "listen address host:port, overriding bindAddress and listenPort (port 0 picks one)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	st := defaultSettings(home)
	if *confPath != "" {
		if err := st.load(*confPath, log); err != nil {
			log.Error("bad configuration", "err", err)
			return 2
		}
	}
	if *printOnly {
		if err := st.print(stdout); err != nil {
			return 1
		}
		return 0
	}
	cfg := st.config(*listen, log)
	var props strings.Builder
	if err := st.print(&props); err == nil {
		cfg.Properties = props.String()
	}
	return serve(cfg, stdout, log)
}

// serve runs the NameServer until SIGTERM or SIGINT.
func serve(cfg namesrv.Config, stdout io.Writer, log *slog.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := namesrv.New(cfg)
	if err != nil {
		log.Error("cannot create the name server", "err", err)
		return 1
	}
	if err := s.Start(); err != nil {
		log.Error("cannot start the name server", "addr", cfg.Addr, "err", err)
		return 1
	}
	fmt.Fprintf(stdout, "The Name Server boot success. serializeType=JSON listen=%s\n", s.Addr())
	<-ctx.Done()
	log.Info("shutting down", "signal", context.Cause(ctx))
	if err := s.Close(); err != nil && !errors.Is(err, namesrv.ErrClosed) {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}
