package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestTraceFlagWritesExecutionTrace: --trace FILE records a Go execution
// trace of the run that go tool trace can open (it starts with the trace
// header), written out on a clean stop.
func TestTraceFlagWritesExecutionTrace(t *testing.T) {
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "broker.trace")
	conf := filepath.Join(dir, "broker.conf")
	if err := os.WriteFile(conf, []byte("brokerIP1=127.0.0.1\nmappedFileSizeCommitLog=16777216\nmaxHashSlotNum=100\nmaxIndexNum=400\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	done := make(chan error, 1)
	out := &syncBuffer{}
	go func() {
		done <- run([]string{"--standalone", "-c", conf, "--store", filepath.Join(dir, "store"),
			"--listen", "127.0.0.1:0", "--namesrv-listen", "127.0.0.1:0", "--trace", tracePath}, out, io.Discard, stop)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !bytes.Contains(out.Bytes(), []byte("clients connect with")) {
		if time.Now().After(deadline) {
			t.Fatalf("broker did not start; stdout: %s", out.Bytes())
		}
		select {
		case err := <-done:
			t.Fatalf("broker exited: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	stop <- syscall.SIGTERM
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	b, err := os.ReadFile(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("go 1.")) {
		n := min(len(b), 16)
		t.Fatalf("trace file of %d bytes starts with %q, not a Go trace header", len(b), b[:n])
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// Bytes returns a copy of what was written so far.
func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.buf.Bytes())
}
