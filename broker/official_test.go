package broker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The official Go client v2.1.2 has data races of its own (consumer
// rebalance against route refresh, shutdown against invokes). Under -race
// its part of a test runs in a child process (this test binary again, with
// TestOfficialClientChild), so the broker in the parent is checked by the
// race detector and the client's own races do not fail the test. Without
// -race the scenario runs in-process.

// scenario is the client side of a test: it drives the official client
// against the NameServer and broker and returns what went wrong.
type scenario func(ctx context.Context, env scenarioEnv) error

type scenarioEnv struct {
	ns, broker string
	params     map[string]string
	logf       func(format string, args ...any)
}

var scenarios = map[string]scenario{}

// runClient runs scenario name with the given key=value params.
func runClient(t *testing.T, name, ns, broker string, params ...string) {
	t.Helper()
	p := map[string]string{}
	for _, kv := range params {
		k, v, _ := strings.Cut(kv, "=")
		p[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if !raceEnabled {
		if err := scenarios[name](ctx, scenarioEnv{ns: ns, broker: broker, params: p, logf: t.Logf}); err != nil {
			t.Fatalf("client scenario %s: %v", name, err)
		}
		return
	}
	result := filepath.Join(t.TempDir(), "result")
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestOfficialClientChild$", "-test.count=1", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), "FASTMQ_CHILD_SCENARIO="+name, "FASTMQ_CHILD_NS="+ns, "FASTMQ_CHILD_BROKER="+broker,
		"FASTMQ_CHILD_RESULT="+result, "FASTMQ_CHILD_PARAMS="+strings.Join(params, "\x1f"), "GORACE=halt_on_error=0 exitcode=0")
	out, _ := cmd.CombinedOutput()
	res, err := os.ReadFile(result)
	if err != nil {
		t.Fatalf("client scenario %s left no result: %v\n%s", name, err, tail(out))
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "LOG: ") {
			t.Log(strings.TrimPrefix(line, "LOG: "))
		}
	}
	if string(res) != "OK" {
		t.Fatalf("client scenario %s: %s", name, res)
	}
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// TestOfficialClientChild is the child side of runClient; it does nothing
// unless runClient started it.
func TestOfficialClientChild(t *testing.T) {
	name := os.Getenv("FASTMQ_CHILD_SCENARIO")
	if name == "" {
		t.Skip("runs only as runClient's child process")
	}
	p := map[string]string{}
	if s := os.Getenv("FASTMQ_CHILD_PARAMS"); s != "" {
		for _, kv := range strings.Split(s, "\x1f") {
			k, v, _ := strings.Cut(kv, "=")
			p[k] = v
		}
	}
	env := scenarioEnv{ns: os.Getenv("FASTMQ_CHILD_NS"), broker: os.Getenv("FASTMQ_CHILD_BROKER"), params: p,
		logf: func(format string, args ...any) { fmt.Printf("LOG: "+format+"\n", args...) }}
	res := "OK"
	fn, ok := scenarios[name]
	if !ok {
		res = "unknown scenario " + name
	} else if err := runScenario(fn, env); err != nil {
		res = err.Error()
	}
	if err := os.WriteFile(os.Getenv("FASTMQ_CHILD_RESULT"), []byte(res), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runScenario(fn scenario, env scenarioEnv) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	return fn(ctx, env)
}

// waitUntil polls cond until it holds or ctx/d ends.
func waitUntil(ctx context.Context, d time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.New("timed out waiting for " + what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}
