package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

var binPath string

func TestMain(m *testing.M) {
	rlog.SetLogLevel("fatal")
	dir, err := os.MkdirTemp("", "mqbroker-test")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "mqbroker")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build mqbroker: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running mqbroker --standalone.
type proc struct {
	cmd    *exec.Cmd
	nsAddr string
	stderr *strings.Builder
	mu     *sync.Mutex
	exited chan error
}

// startStandalone runs mqbroker --standalone on random ports over store
// with the given broker.conf lines, and waits for its NameServer address.
func startStandalone(t *testing.T, store string, conf ...string) *proc {
	t.Helper()
	confPath := filepath.Join(t.TempDir(), "broker.conf")
	lines := append([]string{"brokerName=broker-p", "brokerIP1=127.0.0.1", "mappedFileSizeCommitLog=16777216",
		"maxHashSlotNum=1000", "maxIndexNum=4000"}, conf...)
	if err := os.WriteFile(confPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--standalone", "-c", confPath, "--store", store, "--listen", "127.0.0.1:0", "--namesrv-listen", "127.0.0.1:0"}
	if prof := os.Getenv("FASTMQ_BROKER_CPUPROFILE"); prof != "" {
		args = append(args, "--cpuprofile", prof) // for profiling TestPerfOfficialClient
	}
	cmd := exec.Command(binPath, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &strings.Builder{}, mu: &sync.Mutex{}, exited: make(chan error, 1)}
	cmd.Stderr = lockedWriter{p.mu, p.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "clients connect with: NAMESRV_ADDR="); ok {
				addr <- v
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	select {
	case p.nsAddr = <-addr:
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("mqbroker exited: %v\n%s", err, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("mqbroker did not print its address\n%s", p.log())
	}
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// stop sends sig and waits for the exit.
func (p *proc) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case err := <-p.exited:
		if sig == syscall.SIGTERM && err != nil {
			t.Fatalf("mqbroker exit after SIGTERM: %v\n%s", err, p.log())
		}
		p.exited <- err
	case <-time.After(30 * time.Second):
		t.Fatalf("mqbroker did not exit after %v\n%s", sig, p.log())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// sendN sends n sync messages and returns the acknowledged bodies.
func sendN(t *testing.T, ns, prefix string, n int) []string {
	t.Helper()
	p, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{ns}), producer.WithGroupName("pg"),
		producer.WithInstanceName(prefix), producer.WithRetry(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown()
	var acked []string
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("%s-%d", prefix, i)
		res, err := p.SendSync(context.Background(), primitive.NewMessage("TopicR", []byte(body)).WithTag("T"))
		if err != nil {
			t.Fatalf("send %s: %v", body, err)
		}
		if res.Status == primitive.SendOK {
			acked = append(acked, body)
		}
	}
	return acked
}

// consumeUntil runs a push consumer of group cg until it has every body of
// want, and returns everything it received.
func consumeUntil(t *testing.T, ns, instance string, want []string) map[string]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	c, err := consumer.NewPushConsumer(consumer.WithNameServer(primitive.NamesrvAddr{ns}), consumer.WithGroupName("cg"),
		consumer.WithInstance(instance), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Subscribe("TopicR", consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			got[string(m.Body)]++
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		missing := 0
		for _, w := range want {
			if got[w] == 0 {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			c.Shutdown()
			t.Fatalf("%d of %d acknowledged messages never delivered", missing, len(want))
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.Shutdown() // commits the offsets (UPDATE_CONSUMER_OFFSET)
	mu.Lock()
	defer mu.Unlock()
	return got
}

// TestRestartKeepsAckedMessagesAndOffsets: under SYNC_FLUSH, a standalone
// broker stopped by SIGTERM or killed with -9 comes back with every
// acknowledged message, and the consumer group resumes from its committed
// offsets instead of the start.
func TestRestartKeepsAckedMessagesAndOffsets(t *testing.T) {
	skipUnderRace(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run("signal="+sig.String(), func(t *testing.T) {
			store := t.TempDir()
			conf := []string{"flushDiskType=SYNC_FLUSH", "flushConsumerOffsetInterval=200"}
			p := startStandalone(t, store, conf...)
			first := sendN(t, p.nsAddr, "first", 100)
			consumeUntil(t, p.nsAddr, "c1", first)
			// The consumer's shutdown committed its offsets; wait until the
			// broker wrote them, so that kill -9 cannot lose them.
			waitFile(t, filepath.Join(store, "config", "consumerOffset.json"), "TopicR@cg")
			// Keep sending from several goroutines while the signal lands:
			// only what was acknowledged before it must survive.
			second := sendDuringStop(t, p.nsAddr, "second", 200, func() { p.stop(t, sig) })

			p2 := startStandalone(t, store, conf...)
			got := consumeUntil(t, p2.nsAddr, "c2", second)
			for _, body := range first {
				if got[body] > 0 {
					t.Fatalf("%s consumed again after restart: offsets not resumed", body)
				}
			}
			if sig == syscall.SIGTERM && !strings.Contains(p.log(), "broker stopped cleanly") {
				t.Fatalf("no clean stop logged:\n%s", p.log())
			}
			if sig == syscall.SIGTERM && strings.Contains(p2.log(), "clean=false") {
				t.Fatalf("restart after SIGTERM found an unclean store:\n%s", p2.log())
			}
			if sig == syscall.SIGKILL && !strings.Contains(p2.log(), "clean=false") {
				t.Fatalf("restart after kill -9 did not recover:\n%s", p2.log())
			}
			p2.stop(t, syscall.SIGTERM)
		})
	}
}

// sendDuringStop sends from 4 goroutines until the broker stops; stop runs
// once minAcked sends were acknowledged. It returns the acknowledged bodies.
func sendDuringStop(t *testing.T, ns, prefix string, minAcked int, stop func()) []string {
	t.Helper()
	p, err := producer.NewDefaultProducer(producer.WithNameServer(primitive.NamesrvAddr{ns}), producer.WithGroupName("pg"),
		producer.WithInstanceName(prefix), producer.WithRetry(0), producer.WithSendMsgTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown()
	var mu sync.Mutex
	var acked []string
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100000; i++ {
				body := fmt.Sprintf("%s-%d-%d", prefix, g, i)
				res, err := p.SendSync(context.Background(), primitive.NewMessage("TopicR", []byte(body)).WithTag("T"))
				if err != nil {
					return // the broker is gone
				}
				mu.Lock()
				if res.Status == primitive.SendOK {
					acked = append(acked, body)
				}
				if len(acked) >= minAcked {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatal("sends too slow")
	}
	stop()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d sends acknowledged before the stop", len(acked))
	return acked
}

// skipUnderRace skips tests that drive the official client in this
// process when the race detector is on (see raceEnabled).
func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("the official Go client v2.1.2 has data races of its own; run without -race")
	}
}

// waitFile polls path until it contains s.
func waitFile(t *testing.T, path, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never contained %q", path, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPrintConfig: -p prints the effective configuration with broker.conf,
// NAMESRV_ADDR and -n applied, and warns about unknown keys.
func TestPrintConfig(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "broker.conf")
	os.WriteFile(conf, []byte("# comment\nbrokerClusterName = C1\nbrokerName=b1\nflushDiskType=SYNC_FLUSH\n"+
		"mapedFileSizeCommitLog=1048576\nnamesrvAddr=x:1\nnoSuchKey=1\nautoCreateTopicEnable=false\n"), 0o644)
	cmd := exec.Command(binPath, "-c", conf, "-p")
	cmd.Env = append(os.Environ(), "NAMESRV_ADDR=a:9876;b:9876")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	for _, want := range []string{"brokerClusterName=C1\n", "brokerName=b1\n", "flushDiskType=SYNC_FLUSH\n",
		"mappedFileSizeCommitLog=1048576\n", "namesrvAddr=a:9876;b:9876\n", "autoCreateTopicEnable=false\n", "listenPort=10911\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("-p output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr.String(), "noSuchKey") {
		t.Errorf("unknown key not warned about: %s", stderr.String())
	}
	out, err = exec.Command(binPath, "-c", conf, "-p", "-n", "n1:1").Output()
	if err != nil || !strings.Contains(string(out), "namesrvAddr=n1:1\n") {
		t.Errorf("-n did not override: %v\n%s", err, out)
	}
}

// TestKill9CyclesKeepAckedMessages kills a SYNC_FLUSH broker with -9 while
// sends are in flight, FASTMQ_CRASH_CYCLES times (default 2), restarting it
// on the same store each time; a fresh consumer group then reads every
// message acknowledged in any cycle.
func TestKill9CyclesKeepAckedMessages(t *testing.T) {
	skipUnderRace(t)
	cycles := 2
	if v, err := strconv.Atoi(os.Getenv("FASTMQ_CRASH_CYCLES")); err == nil && v > 0 {
		cycles = v
	}
	store := t.TempDir()
	conf := []string{"flushDiskType=SYNC_FLUSH"}
	var acked []string
	for c := 0; c < cycles; c++ {
		p := startStandalone(t, store, conf...)
		acked = append(acked, sendDuringStop(t, p.nsAddr, fmt.Sprintf("cycle%d", c), 50, func() { p.stop(t, syscall.SIGKILL) })...)
	}
	p := startStandalone(t, store, conf...)
	got := consumeUntil(t, p.nsAddr, "final", acked)
	t.Logf("%d cycles: %d acknowledged messages, %d delivered after the last restart", cycles, len(acked), len(got))
	p.stop(t, syscall.SIGTERM)
}
