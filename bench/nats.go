package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// NATSServerVersion is the nats-server the suite measures JetStream with
// (the one machine-limits.md §6 measured).
const NATSServerVersion = "v2.15.2"

// natsMaxFileStore caps JetStream's file storage. It must hold the largest
// backlog a scenario builds (2+ GiB, several topics) so that no stream
// limit drops messages.
const natsMaxFileStore = "20GB"

// ErrNATSInstall is returned when nats-server could not be installed.
var ErrNATSInstall = errors.New("bench: install nats-server")

// InstallNATS returns the path of a nats-server of NATSServerVersion in
// binDir, running `go install github.com/nats-io/nats-server/v2@version`
// (the go on PATH, GOBIN=binDir) when binDir has none or another version.
// The first install downloads and builds the module (~20 s); later ones
// take seconds from the module cache.
func InstallNATS(ctx context.Context, binDir string) (string, error) {
	bin := filepath.Join(binDir, "nats-server")
	if natsVersionOK(ctx, bin) {
		return bin, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/nats-io/nats-server/v2@"+NATSServerVersion)
	cmd.Dir = binDir // outside our module: pkg@version ignores it anyway
	cmd.Env = append(os.Environ(), "GOBIN="+binDir, "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w %s: %v\n%s", ErrNATSInstall, NATSServerVersion, err, out)
	}
	if !natsVersionOK(ctx, bin) {
		return "", fmt.Errorf("%w: %s does not report %s", ErrNATSInstall, bin, NATSServerVersion)
	}
	return bin, nil
}

// natsVersionOK reports whether bin runs and prints
// "nats-server: <NATSServerVersion>".
func natsVersionOK(ctx context.Context, bin string) bool {
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	return err == nil && strings.TrimSpace(string(out)) == "nats-server: "+NATSServerVersion
}

// NATS is a running nats-server with JetStream enabled.
type NATS struct {
	*Process
	URL     string // where clients connect: nats://127.0.0.1:<port>
	Monitor string // the HTTP monitoring endpoint: http://127.0.0.1:<port>
	Store   string // JetStream's store directory
}

// StartNATS runs bin (a nats-server) with JetStream storing under
// dir/store, its client and monitoring ports chosen by the server on
// 127.0.0.1. SyncFlush sets `sync_interval: always` (fsync after every
// write before the ack); AsyncFlush keeps the default interval (acks once
// the page cache has the message).
func StartNATS(ctx context.Context, bin, dir string, flush Flush) (*NATS, error) {
	if flush != AsyncFlush && flush != SyncFlush {
		return nil, fmt.Errorf("bench: nats flush mode %q", flush)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	store := filepath.Join(dir, "store")
	confPath := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(confPath, natsConfig(store, flush), 0o644); err != nil {
		return nil, err
	}
	var monitor string
	p, addr, err := StartProcess(ctx, "nats-server-"+string(flush), dir, bin, []string{"-c", confPath}, nil, func(out string) (string, bool) {
		addr, mon, ready := parseNATSOutput(out)
		monitor = mon
		return addr, ready && addr != "" && mon != ""
	})
	if err != nil {
		return nil, err
	}
	return &NATS{Process: p, URL: "nats://" + addr, Monitor: "http://" + monitor, Store: store}, nil
}

// natsConfig is the server configuration: random ports on loopback (-1),
// file storage large enough for every scenario's backlog, and for
// SyncFlush an fsync per write (sync_interval sits in the jetstream block).
func natsConfig(store string, flush Flush) []byte {
	var b strings.Builder
	b.WriteString("listen: \"127.0.0.1:-1\"\n")
	b.WriteString("http: \"127.0.0.1:-1\"\n")
	b.WriteString("jetstream {\n")
	fmt.Fprintf(&b, "  store_dir: %q\n", store)
	fmt.Fprintf(&b, "  max_file_store: %s\n", natsMaxFileStore)
	if flush == SyncFlush {
		b.WriteString("  sync_interval: always\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// parseNATSOutput reads the server log: "Listening for client connections
// on <addr>", "Starting http monitor on <addr>" and "Server is ready".
func parseNATSOutput(out string) (addr, monitor string, ready bool) {
	for line := range strings.SplitSeq(out, "\n") {
		if _, v, ok := strings.Cut(line, "Listening for client connections on "); ok {
			addr = strings.TrimSpace(v)
		}
		if _, v, ok := strings.Cut(line, "Starting http monitor on "); ok {
			monitor = strings.TrimSpace(v)
		}
		if strings.Contains(line, "Server is ready") {
			ready = true
		}
	}
	return addr, monitor, ready
}
