package netpoll

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// TestClientPipelinedAsyncCompleteInOrderOnce: a producer that keeps a
// window of async requests in flight on one connection (so most of its
// writes are left to the flusher) gets every request answered exactly once,
// with its own body, in the order it sent them: the flusher neither drops,
// duplicates nor reorders frames.
func TestClientPipelinedAsyncCompleteInOrderOnce(t *testing.T) {
	const n, window = 3000, 64
	s := startServer(t, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	cl := newTestClient(t, ClientConfig{})
	slots := make(chan struct{}, window)
	var mu sync.Mutex
	var order []int
	counts := make([]int, n)
	allDone := make(chan struct{})
	req := protocol.NewRequest(codeEcho)
	for i := range n {
		select {
		case slots <- struct{}{}:
		case <-time.After(5 * time.Second):
			t.Fatalf("no window slot freed for request %d", i)
		}
		req.Body = []byte(strconv.Itoa(i))
		err := cl.InvokeAsync(context.Background(), s.Addr(), req, 0, func(resp *protocol.Command, err error) {
			mu.Lock()
			defer mu.Unlock()
			counts[i]++
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			} else if string(resp.Body) != strconv.Itoa(i) {
				t.Errorf("request %d answered with %q", i, resp.Body)
			}
			order = append(order, i)
			if len(order) == n {
				close(allDone)
			}
			<-slots
		})
		if err != nil {
			t.Fatalf("InvokeAsync %d: %v", i, err)
		}
	}
	recvOrFail(t, allDone, "all completions")
	mustEcho(t, cl, s.Addr())
	mu.Lock()
	defer mu.Unlock()
	for i, c := range counts {
		if c != 1 {
			t.Fatalf("request %d completed %d times", i, c)
		}
	}
	for k, i := range order {
		if i != k {
			t.Fatalf("completion %d was request %d: out of order", k, i)
		}
	}
}

// TestClientPipelinedAsyncToStalledPeerFails: async requests pipelined to
// a peer that accepts but never reads are queued up to MaxQueuedBytes
// (then ErrQueueFull), and once the flusher's write has made no progress
// for WriteTimeout every callback runs, once, with an error: none hangs
// until its (hour-long) request timeout.
func TestClientPipelinedAsyncToStalledPeerFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			accepted <- nc // held open, never read
		}
	}()
	cl := newTestClient(t, ClientConfig{
		WriteTimeout: 50 * time.Millisecond, RequestTimeout: time.Hour, MaxQueuedBytes: 4 << 20,
	})
	var mu sync.Mutex
	counts := map[int]int{}
	errc := make(chan error, 1024)
	sent, full := 0, false
	for i := 0; i < 1000 && !full; i++ {
		req := protocol.NewRequest(codeEcho)
		req.Body = make([]byte, 256<<10) // far more in all than the socket buffers take
		err := cl.InvokeAsync(context.Background(), ln.Addr().String(), req, 0, func(_ *protocol.Command, err error) {
			mu.Lock()
			counts[i]++
			mu.Unlock()
			errc <- err
		})
		switch {
		case errors.Is(err, ErrQueueFull):
			full = true
		case err != nil:
			// The write timed out and shut the connection already; the
			// requests sent so far must still all fail.
			full = true
		default:
			sent++
		}
	}
	if !full {
		t.Fatal("no ErrQueueFull after queueing far more than MaxQueuedBytes")
	}
	peer := recvOrFail(t, accepted, "accepted connection")
	defer peer.Close()
	for range sent {
		if err := recvOrFail(t, errc, "a stalled request to fail"); err == nil {
			t.Fatal("a request to a peer that never reads succeeded")
		}
	}
	_ = cl.Close() // waits for reader and flusher: no completion can follow
	mu.Lock()
	defer mu.Unlock()
	for i, c := range counts {
		if c != 1 {
			t.Fatalf("request %d completed %d times", i, c)
		}
	}
	if len(counts) != sent {
		t.Fatalf("%d of %d requests completed", len(counts), sent)
	}
}
