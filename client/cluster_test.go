package client

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cluster is a running `mqbroker --standalone`: a broker and a NameServer
// in one process, on random ports, storing in a t.TempDir().
type cluster struct {
	ns     string // NameServer address
	broker string // broker address
}

var (
	brokerBinOnce sync.Once
	brokerBin     string
	brokerBinErr  error
	brokerBinDir  string
)

// TestMain removes the broker binary built for the integration tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if brokerBinDir != "" {
		os.RemoveAll(brokerBinDir)
	}
	os.Exit(code)
}

// buildBroker builds ./cmd/mqbroker once per test binary.
func buildBroker(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test against the real broker; skipped with -short")
	}
	if bin := os.Getenv("FASTMQ_MQBROKER"); bin != "" {
		return bin // a prebuilt mqbroker, for debugging
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(root, "cmd", "mqbroker", "*.go")); len(m) == 0 {
		t.Skip("cmd/mqbroker does not exist yet: the real-broker tests need `mqbroker --standalone`")
	}
	brokerBinOnce.Do(func() {
		brokerBinDir, brokerBinErr = os.MkdirTemp("", "fastmq-client-it-")
		if brokerBinErr != nil {
			return
		}
		brokerBin = filepath.Join(brokerBinDir, "mqbroker")
		cmd := exec.Command("go", "build", "-o", brokerBin, "./cmd/mqbroker")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			brokerBinErr = fmt.Errorf("go build ./cmd/mqbroker: %v\n%s", err, out)
		}
	})
	if brokerBinErr != nil {
		t.Fatal(brokerBinErr)
	}
	return brokerBin
}

// startCluster starts `mqbroker --standalone` with both listeners on
// port 0, reads the bound addresses from its stdout and waits until its
// NameServer knows the broker.
func startCluster(t testing.TB) cluster {
	t.Helper()
	bin := buildBroker(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "broker.conf")
	// A small commit-log segment keeps the test's disk use low; 1 s delay
	// levels let redelivery tests finish quickly.
	props := fmt.Sprintf("brokerClusterName=ItCluster\nbrokerName=it-broker\nbrokerId=0\nbrokerIP1=127.0.0.1\n"+
		"autoCreateTopicEnable=true\nflushDiskType=ASYNC_FLUSH\nmappedFileSizeCommitLog=%d\nmessageDelayLevel=%s\n",
		64<<20, strings.TrimSpace(strings.Repeat("1s ", 18)))
	if err := os.WriteFile(conf, []byte(props), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--standalone", "-c", conf, "-listen", "127.0.0.1:0",
		"-namesrv-listen", "127.0.0.1:0", "-store", filepath.Join(dir, "store"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	outPath, logPath := filepath.Join(dir, "stdout"), filepath.Join(dir, "broker.log")
	outFile, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = outFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // ends when the process does; awaited in Cleanup
	brokerLog := func() string {
		b, _ := os.ReadFile(logPath)
		return tail(string(b), 60)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		outFile.Close()
		logFile.Close()
		if t.Failed() {
			t.Logf("broker log:\n%s", brokerLog())
		}
	})
	var c cluster
	deadline := time.Now().Add(30 * time.Second)
	for c.ns == "" || c.broker == "" {
		select {
		case err := <-exited:
			t.Fatalf("mqbroker exited: %v\n%s", err, brokerLog())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mqbroker printed no addresses in 30 s\n%s", brokerLog())
		}
		out, _ := os.ReadFile(outPath)
		c.ns, c.broker = parseStandaloneOutput(string(out))
		time.Sleep(20 * time.Millisecond) // polling the process's stdout with a deadline
	}
	a, err := NewAdmin(WithNameServers(c.ns), WithRequestTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	eventually(t, 30*time.Second, "the broker registered with its NameServer", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		ci, err := a.ClusterInfo(ctx)
		return err == nil && len(ci.BrokerAddrTable) > 0
	})
	return c
}

// parseStandaloneOutput reads the addresses mqbroker --standalone prints:
// "broker listening on <addr> (announced as <addr>)" and "clients connect
// with: NAMESRV_ADDR=<addr>".
func parseStandaloneOutput(out string) (ns, broker string) {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "clients connect with: NAMESRV_ADDR="); ok {
			ns = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "broker listening on "); ok {
			if i := strings.Index(v, "(announced as "); i >= 0 {
				broker = strings.TrimSuffix(strings.TrimSpace(v[i+len("(announced as "):]), ")")
			}
		}
	}
	return ns, broker
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
