package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if brokerBinDir != "" {
		os.RemoveAll(brokerBinDir)
	}
	os.Exit(code)
}

var (
	brokerBinDir  string
	brokerBinOnce sync.Once
	brokerBin     string
	brokerBinErr  error
)

// testBrokerBin builds ./cmd/mqbroker once per test binary (or uses
// FASTMQ_MQBROKER when set) and returns its path.
func testBrokerBin(t testing.TB) string {
	t.Helper()
	brokerBinOnce.Do(func() {
		if p := os.Getenv("FASTMQ_MQBROKER"); p != "" {
			brokerBin = p
			return
		}
		dir, err := os.MkdirTemp("", "bench-mqbroker")
		if err != nil {
			brokerBinErr = err
			return
		}
		brokerBinDir, brokerBin = dir, filepath.Join(dir, "mqbroker")
		cmd := exec.Command("go", "build", "-o", brokerBin, "./cmd/mqbroker")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			brokerBinErr = &buildError{err: err, out: string(out)}
		}
	})
	if brokerBinErr != nil {
		t.Fatal(brokerBinErr)
	}
	return brokerBin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string {
	return "go build ./cmd/mqbroker: " + e.err.Error() + "\n" + e.out
}

// testBroker starts a standalone broker in a temp dir and stops it when the
// test ends.
func testBroker(t testing.TB, flush Flush) *Broker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := StartBroker(ctx, testBrokerBin(t), t.TempDir(), flush)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Stop(); err != nil {
			t.Error(err)
		}
	})
	return b
}

func TestStartBrokerPrintsAddressesAndStopsClean(t *testing.T) {
	b := testBroker(t, SyncFlush)
	if b.NameServer == "" || b.Addr == "" {
		t.Fatalf("addresses missing: ns=%q broker=%q", b.NameServer, b.Addr)
	}
	if cpu, err := b.CPUTime(); err != nil || cpu < 0 {
		t.Fatalf("CPUTime = %v, %v", cpu, err)
	}
	if err := b.Stop(); err != nil {
		t.Fatalf("Stop after SIGTERM: %v", err)
	}
	if _, err := os.Stat(filepath.Join(b.Store, "abort")); !os.IsNotExist(err) {
		t.Fatalf("abort marker after a clean stop: %v", err)
	}
}
