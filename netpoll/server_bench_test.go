package netpoll

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// pingBodyBytes is the ping-pong payload, as in machine-limits.md §5.
const pingBodyBytes = 100

// BenchmarkPingPong measures request/response round trips through netpoll's
// server (answering inline, or through the deferred-reply outbox) and, in
// the same run, through a goroutine-per-connection net
// server doing the same work (decode the frame, build a response carrying
// the body, encode it, write). The client is netpoll.Client in both cases.
// Reported: round trips/s and p50/p99 latency in µs.
//
//	go test -run '^$' -bench PingPong -benchtime 3s ./netpoll/
//
// proc=separate runs the server in a child process (this test binary,
// re-executed), as a broker runs apart from its clients; proc=same runs it
// inside the benchmark process, where gnet's loop threads compete with the
// client's goroutines for the same Ps.
func BenchmarkPingPong(b *testing.B) {
	for _, proc := range []string{"separate", "same"} {
		for _, conns := range []int{1, 64} {
			for _, server := range []string{"netpoll", "netpoll-deferred", "stdnet"} {
				name := "proc=" + proc + "/server=" + server + "/conns=" + strconv.Itoa(conns)
				b.Run(name, func(b *testing.B) {
					var addr string
					if proc == "separate" {
						addr = startServerProcess(b, server)
					} else {
						addr = startBenchServer(b, server)
					}
					runPingPong(b, addr, conns)
				})
			}
		}
	}
}

// startBenchServer starts one of the compared servers in this process.
func startBenchServer(tb testing.TB, server string) string {
	switch server {
	case "netpoll":
		return startServer(tb, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) }).Addr()
	case "netpoll-deferred":
		// Every answer goes through the goroutine-safe outbox.
		return startServer(tb, Config{}, func(s *Server) { s.Handle(codeEcho, deferredEchoHandler) }).Addr()
	}
	return startStdServer(tb)
}

// benchServerEnv names the server a child process should run.
const benchServerEnv = "FASTMQ_NETPOLL_BENCH_SERVER"

// TestBenchServerProcess is the child side of proc=separate: with
// benchServerEnv set it starts that server, prints its address, and serves
// until its stdin closes. Without it, it does nothing.
func TestBenchServerProcess(t *testing.T) {
	server := os.Getenv(benchServerEnv)
	if server == "" {
		t.Skip("only runs as a benchmark's server process")
	}
	addr := startBenchServer(t, server)
	fmt.Println("addr", addr)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startServerProcess re-executes the test binary as a server process and
// stops it (closing its stdin, then waiting) when the benchmark ends.
func startServerProcess(tb testing.TB, server string) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), benchServerEnv+"="+server)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "addr "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return addr
		}
	}
	tb.Fatalf("server process printed no address: %v", sc.Err())
	return ""
}

// deferredEchoHandler answers like echoHandler, through ReplyTo.
func deferredEchoHandler(c *Conn, req *protocol.Command) {
	var resp protocol.Command
	resp.InitResponse(protocol.RespSuccess, "echo")
	resp.Body = req.Body
	_ = c.Defer(req).Reply(&resp)
}

// runPingPong drives closed-loop round trips over conns connections.
func runPingPong(b *testing.B, addr string, conns int) {
	procs := runtime.GOMAXPROCS(0)
	par := (conns + procs - 1) / procs
	clients := make([]*Client, par*procs)
	for i := range clients {
		clients[i] = newTestClient(b, ClientConfig{RequestTimeout: 10 * time.Second})
		mustEcho(b, clients[i], addr) // connect and warm up
	}
	body := make([]byte, pingBodyBytes)
	b.SetBytes(2 * pingBodyBytes)
	b.ReportAllocs()
	var (
		mu   sync.Mutex
		lats []time.Duration
		next atomic.Int32
	)
	roundTrip := func(cl *Client, req *protocol.Command, own *[]time.Duration) {
		t0 := time.Now()
		req.InitRequest(codeEcho)
		req.Body = body
		if _, err := cl.Invoke(context.Background(), addr, req); err != nil {
			b.Error(err)
		}
		*own = append(*own, time.Since(t0))
	}
	start := time.Now()
	if conns == 1 {
		var req protocol.Command
		own := make([]time.Duration, 0, 1<<16)
		for b.Loop() {
			roundTrip(clients[0], &req, &own)
		}
		lats = own
	} else {
		b.SetParallelism(par)
		b.RunParallel(func(pb *testing.PB) {
			cl := clients[int(next.Add(1)-1)%len(clients)]
			var req protocol.Command
			own := make([]time.Duration, 0, 1<<14)
			for pb.Next() {
				roundTrip(cl, &req, &own)
			}
			mu.Lock()
			lats = append(lats, own...)
			mu.Unlock()
		})
	}
	elapsed := time.Since(start)
	reportLatencies(b, lats, elapsed)
}

// reportLatencies reports round trips/s and p50/p99 in µs.
func reportLatencies(b *testing.B, lats []time.Duration, elapsed time.Duration) {
	if len(lats) == 0 {
		return
	}
	slices.Sort(lats)
	pct := func(p float64) float64 {
		return float64(lats[int(float64(len(lats)-1)*p)]) / float64(time.Microsecond)
	}
	b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "roundtrips/s")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// startStdServer runs the comparison server: net, one goroutine per
// connection, same decode/encode work and the same reply batching (write
// when no more input is buffered). Stopped when the benchmark ends.
func startStdServer(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, nc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveStd(nc)
			}()
		}
	}()
	tb.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, nc := range open {
			_ = nc.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func serveStd(nc net.Conn) {
	defer nc.Close()
	r := bufio.NewReaderSize(nc, DefaultReadBufferBytes)
	var (
		req, resp protocol.Command
		frame     []byte
		out       []byte
	)
	for {
		prefix, err := r.Peek(4)
		if err != nil {
			return
		}
		if _, err := protocol.SplitFrame(prefix, protocol.DefaultMaxFrameBytes); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(prefix)) + 4
		frame = slices.Grow(frame[:0], n)[:n]
		if _, err := io.ReadFull(r, frame); err != nil {
			return
		}
		if err := req.Decode(frame); err != nil {
			return
		}
		resp.InitResponseTo(&req, protocol.RespSuccess, "echo")
		resp.Body = req.Body
		out = resp.AppendFrame(out)
		if r.Buffered() == 0 {
			if _, err := nc.Write(out); err != nil {
				return
			}
			out = out[:0]
		}
	}
}
