package client

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
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

// freePort returns a port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startCluster starts `mqbroker --standalone` and waits until its
// NameServer serves the auto-create topic's route.
func startCluster(t testing.TB) cluster {
	t.Helper()
	bin := buildBroker(t)
	dir := t.TempDir()
	nsPort, brokerPort := freePort(t), freePort(t)
	conf := filepath.Join(dir, "broker.conf")
	props := fmt.Sprintf("brokerClusterName=ItCluster\nbrokerName=it-broker\nbrokerId=0\nbrokerIP1=127.0.0.1\nlistenPort=%d\nstorePathRootDir=%s\nautoCreateTopicEnable=true\nflushDiskType=ASYNC_FLUSH\nmessageDelayLevel=%s\n",
		brokerPort, filepath.Join(dir, "store"), strings.TrimSpace(strings.Repeat("1s ", 18)))
	if err := os.WriteFile(conf, []byte(props), 0o644); err != nil {
		t.Fatal(err)
	}
	c := cluster{ns: fmt.Sprintf("127.0.0.1:%d", nsPort), broker: fmt.Sprintf("127.0.0.1:%d", brokerPort)}
	cmd := exec.Command(bin, standaloneArgs(conf, c.ns)...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	logPath := filepath.Join(dir, "broker.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // ends when the process does; awaited in Cleanup
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("broker log:\n%s", tail(string(b), 60))
			}
		}
	})
	a, err := NewAdmin(WithNameServers(c.ns), WithRequestTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("mqbroker exited: %v\n%s", err, tail(string(b), 60))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ci, err := a.ClusterInfo(ctx)
		cancel()
		if err == nil && len(ci.BrokerAddrTable) > 0 {
			if addr := advertised(ci.BrokerAddrTable); addr != "" {
				c.broker = addr
			}
			return c
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("standalone broker not up after 30 s (last: %v)\n%s", err, tail(string(b), 60))
		}
		time.Sleep(50 * time.Millisecond) // polling the NameServer with a deadline
	}
}

// standaloneArgs is the command line of a standalone broker with conf
// whose NameServer listens on nsAddr.
func standaloneArgs(conf, nsAddr string) []string {
	return []string{"--standalone", "-c", conf, "-namesrv-listen", nsAddr}
}

// advertised returns the master address of the first broker.
func advertised(brokers map[string]protocol.BrokerData) string {
	for _, b := range brokers {
		if a, ok := b.Addr(protocol.MasterID); ok {
			return a
		}
	}
	return ""
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
