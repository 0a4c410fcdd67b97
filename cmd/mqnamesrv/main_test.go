package main

import (
	"bufio"
	"context"
	"errors"
	"hash/crc32"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// buildBinary builds mqnamesrv into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mqnamesrv")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestBinaryServesRouteAndStopsOnSIGTERM starts the real mqnamesrv on a
// random port, registers a broker as a broker does, fetches the route,
// stores a KV value, and stops the process with SIGTERM.
func TestBinaryServesRouteAndStopsOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	kvPath := filepath.Join(dir, "kv", "kvConfig.json")
	conf := filepath.Join(dir, "namesrv.conf")
	if err := os.WriteFile(conf, []byte("listenPort=0\nbindAddress=127.0.0.1\nkvConfigPath="+kvPath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill() // the test failed before SIGTERM
			<-exited
		}
	})

	addr := readBootLine(t, stdout)
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: slog.New(slog.DiscardHandler)})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if resp, err := cl.Invoke(ctx, addr, registerRequest()); err != nil || resp.Code != 0 {
		t.Fatalf("register: %v %+v", err, resp)
	}
	route := protocol.NewRequest(protocol.ReqGetRouteInfoByTopic)
	(&protocol.GetRouteInfoRequestHeader{Topic: "orders"}).Encode(route)
	resp, err := cl.Invoke(ctx, addr, route)
	if err != nil || resp.Code != 0 {
		t.Fatalf("route: %v %+v", err, resp)
	}
	r, err := protocol.DecodeTopicRouteData(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := r.BrokerDatas[0].Addr(0); a != "10.0.0.1:10911" || r.QueueDatas[0].WriteQueueNums != 4 {
		t.Errorf("route %+v", r)
	}
	put := protocol.NewRequest(protocol.ReqPutKVConfig)
	(&protocol.KVConfigHeader{Namespace: "ns", Key: "k", Value: "v"}).Encode(put)
	if resp, err := cl.Invoke(ctx, addr, put); err != nil || resp.Code != 0 {
		t.Fatalf("put kv: %v %+v", err, resp)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no exit 15 s after SIGTERM\n%s", stderr.String())
	}
	if b, err := os.ReadFile(kvPath); err != nil || string(b) != `{"configTable":{"ns":{"k":"v"}}}` {
		t.Errorf("kvConfig.json: %s %v", b, err)
	}
	if !strings.Contains(stderr.String(), "name server stopped") {
		t.Errorf("stderr lacks the shutdown log:\n%s", stderr.String())
	}
}

// readBootLine waits for the boot line on stdout and returns the address.
func readBootLine(t *testing.T, stdout interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, addr, ok := strings.Cut(sc.Text(), "listen="); ok {
				lines <- addr
				return
			}
		}
		close(lines)
	}()
	select {
	case addr, ok := <-lines:
		if !ok {
			t.Fatal(errors.New("mqnamesrv exited before its boot line"))
		}
		return addr
	case <-time.After(30 * time.Second):
		t.Fatal("no boot line within 30 s")
	}
	return ""
}

func registerRequest() *protocol.Command {
	body := protocol.RegisterBrokerBody{FilterServerList: []string{}}
	body.TopicConfigSerializeWrapper = protocol.TopicConfigSerializeWrapper{
		DataVersion: protocol.DataVersion{Timestamp: 1, Counter: 1},
		TopicConfigTable: map[string]protocol.TopicConfig{
			"orders": {TopicName: "orders", ReadQueueNums: 4, WriteQueueNums: 4, Perm: 6},
		},
	}
	req := protocol.NewRequest(protocol.ReqRegisterBroker)
	req.Body = protocol.AppendRegisterBrokerBody(nil, &body)
	(&protocol.RegisterBrokerRequestHeader{
		BrokerIdentity: protocol.BrokerIdentity{BrokerName: "broker-a", BrokerAddr: "10.0.0.1:10911", ClusterName: "DefaultCluster"},
		HAServerAddr:   "10.0.0.1:10912",
		BodyCRC32:      int32(crc32.ChecksumIEEE(req.Body) & 0x7FFFFFFF),
	}).Encode(req)
	return req
}
