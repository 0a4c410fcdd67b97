package bench

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	natsBinOnce sync.Once
	natsBin     string
	natsBinErr  error
)

// testNATSBin returns a nats-server of NATSServerVersion, installed once
// per test binary into the user cache dir (kept across runs, so later runs
// only check its version), or FASTMQ_NATS_SERVER when set. It skips the
// test when the module proxy cannot be reached: a missing peer is not a
// bug of ours.
func testNATSBin(t testing.TB) string {
	t.Helper()
	natsBinOnce.Do(func() {
		if p := os.Getenv("FASTMQ_NATS_SERVER"); p != "" {
			natsBin = p
			return
		}
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		natsBin, natsBinErr = InstallNATS(ctx, filepath.Join(cache, "fastmq-bench", "nats-"+NATSServerVersion))
	})
	if natsBinErr != nil {
		if proxyUnreachable(natsBinErr) {
			t.Skipf("nats-server cannot be installed here: %v", natsBinErr)
		}
		t.Fatal(natsBinErr)
	}
	return natsBin
}

// proxyUnreachable reports whether an install failed for want of the
// network or the module proxy rather than because of our command.
func proxyUnreachable(err error) bool {
	if !errors.Is(err, ErrNATSInstall) {
		return false
	}
	for _, s := range []string{"dial tcp", "no such host", "connection refused", "i/o timeout", "403 Forbidden", "proxy.golang.org", "GOPROXY", "TLS handshake"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// testNATS starts a nats-server in a temp dir and stops it when the test
// ends.
func testNATS(t testing.TB, flush Flush) *NATS {
	t.Helper()
	bin := testNATSBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := StartNATS(ctx, bin, t.TempDir(), flush)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	})
	return n
}

// natsVarzJetStream is the part of /varz that shows the active JetStream
// configuration.
type natsVarzJetStream struct {
	JetStream struct {
		Config struct {
			StoreDir   string `json:"store_dir"`
			MaxStorage int64  `json:"max_storage"`
			SyncAlways bool   `json:"sync_always"`
		} `json:"config"`
	} `json:"jetstream"`
}

func natsReadVarz(t *testing.T, n *NATS) natsVarzJetStream {
	t.Helper()
	resp, err := http.Get(n.Monitor + "/varz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v natsVarzJetStream
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("/varz: %v", err)
	}
	return v
}

func TestStartNATSAppliesFlushMode(t *testing.T) {
	for _, flush := range []Flush{AsyncFlush, SyncFlush} {
		t.Run(string(flush), func(t *testing.T) {
			n := testNATS(t, flush)
			if !strings.HasPrefix(n.URL, "nats://127.0.0.1:") || strings.HasSuffix(n.URL, ":-1") {
				t.Fatalf("URL = %q", n.URL)
			}
			cfg := natsReadVarz(t, n).JetStream.Config
			if cfg.SyncAlways != (flush == SyncFlush) {
				t.Fatalf("server runs with sync_always=%v in %s mode", cfg.SyncAlways, flush)
			}
			if !strings.HasPrefix(cfg.StoreDir, n.Store) {
				t.Fatalf("store dir %q, want under %q", cfg.StoreDir, n.Store)
			}
			if cfg.MaxStorage < 6<<30 {
				t.Fatalf("max_file_store %d bytes cannot hold a 6 GiB backlog", cfg.MaxStorage)
			}
		})
	}
}

func TestStartNATSRejectsUnknownFlush(t *testing.T) {
	if _, err := StartNATS(context.Background(), "nats-server", t.TempDir(), Flush("sometimes")); err == nil {
		t.Fatal("StartNATS accepted an unknown flush mode")
	}
}

func TestNATSStopLeavesNoProcess(t *testing.T) {
	n := testNATS(t, AsyncFlush)
	addr := strings.TrimPrefix(n.URL, "nats://")
	if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
		t.Fatalf("server not listening before Stop: %v", err)
	} else {
		c.Close()
	}
	pid := n.Pid()
	if err := n.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d still exists after Stop (kill 0: %v)", pid, err)
	}
	if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after Stop", addr)
	}
}

func TestInstallNATSReusesMatchingBinary(t *testing.T) {
	bin := testNATSBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := InstallNATS(ctx, filepath.Dir(bin))
	if err != nil || got != bin {
		t.Fatalf("InstallNATS = %q, %v; want %q", got, err, bin)
	}
	if !natsVersionOK(ctx, got) {
		t.Fatalf("%s does not report %s", got, NATSServerVersion)
	}
}

func TestParseNATSOutput(t *testing.T) {
	out := "[1] 2026/11/22 01:59:08.623134 [INF] Starting http monitor on 127.0.0.1:45251\n" +
		"[1] 2026/11/22 01:59:08.624109 [INF] Listening for client connections on 127.0.0.1:37223\n"
	addr, mon, ready := parseNATSOutput(out)
	if addr != "127.0.0.1:37223" || mon != "127.0.0.1:45251" || ready {
		t.Fatalf("before ready: %q %q %v", addr, mon, ready)
	}
	if _, _, ready = parseNATSOutput(out + "[1] 2026/11/22 01:59:08.624116 [INF] Server is ready\n"); !ready {
		t.Fatal("Server is ready not seen")
	}
}
