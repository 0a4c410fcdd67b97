package netpoll

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
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
// a peer that accepts but never reads pile up (left to the flusher while
// little is pending, written by their callers beyond that), and once a
// write has made no progress for WriteTimeout the connection shuts and
// every callback runs, once, with an error: none hangs until its
// (hour-long) request timeout. The dial seam allows one connection, so the
// sending loop ends when the client would reconnect.
func TestClientPipelinedAsyncToStalledPeerFails(t *testing.T) {
	ln, accepted := neverReadingPeer(t)
	cl := newTestClient(t, ClientConfig{
		WriteTimeout: 50 * time.Millisecond, RequestTimeout: time.Hour, MaxQueuedBytes: 4 << 20,
	})
	var dials atomic.Int32
	refused := errors.New("test: second dial refused")
	cl.cfg.dial = func(ctx context.Context, addr string) (net.Conn, error) {
		if dials.Add(1) > 1 {
			return nil, refused
		}
		return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	var mu sync.Mutex
	counts := map[int]int{}
	const maxSends = 4000
	errc := make(chan error, maxSends)
	sent := 0
	var sendErr error
	for i := 0; i < maxSends && sendErr == nil; i++ {
		req := protocol.NewRequest(codeEcho)
		req.Body = make([]byte, 16<<10) // far more in all than the socket buffers take
		sendErr = cl.InvokeAsync(context.Background(), ln.Addr().String(), req, 0, func(_ *protocol.Command, err error) {
			mu.Lock()
			counts[i]++
			mu.Unlock()
			errc <- err
		})
		if sendErr == nil {
			sent++
		}
	}
	if !errors.Is(sendErr, refused) && !errors.Is(sendErr, ErrQueueFull) {
		t.Fatalf("sending stopped with %v after %d requests; want the refused reconnect or ErrQueueFull", sendErr, sent)
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
