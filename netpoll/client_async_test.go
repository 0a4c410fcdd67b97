package netpoll

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// asyncResult is what one InvokeAsync callback saw.
type asyncResult struct {
	i    int
	resp *protocol.Command
	err  error
}

// TestClientInvokeAsyncDeliversResponses pipelines many async requests on
// one connection, reusing one request command: every callback runs once
// with the answer to its own request.
func TestClientInvokeAsyncDeliversResponses(t *testing.T) {
	const n = 500
	s := startServer(t, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	cl := newTestClient(t, ClientConfig{})
	results := make(chan asyncResult, 2*n)
	req := protocol.NewRequest(codeEcho)
	for i := range n {
		req.Body = []byte(strconv.Itoa(i)) // req is reused: encoded on return
		err := cl.InvokeAsync(context.Background(), s.Addr(), req, 0, func(resp *protocol.Command, err error) {
			results <- asyncResult{i, resp, err}
		})
		if err != nil {
			t.Fatalf("InvokeAsync %d: %v", i, err)
		}
	}
	seen := make(map[int]bool, n)
	for range n {
		r := recvOrFail(t, results, "async result")
		if r.err != nil {
			t.Fatalf("request %d: %v", r.i, r.err)
		}
		if string(r.resp.Body) != strconv.Itoa(r.i) {
			t.Fatalf("request %d got body %q", r.i, r.resp.Body)
		}
		if seen[r.i] {
			t.Fatalf("request %d completed twice", r.i)
		}
		seen[r.i] = true
	}
	mustEcho(t, cl, s.Addr())
	if len(results) != 0 {
		t.Fatalf("%d extra completions", len(results))
	}
}

// TestClientInvokeAsyncTimesOutOnce: an unanswered request's callback runs
// once with ErrTimeout; the answer that comes later is dropped.
func TestClientInvokeAsyncTimesOutOnce(t *testing.T) {
	held := make(chan ReplyTo, 1)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeSlow, func(c *Conn, req *protocol.Command) { held <- c.Defer(req) })
		s.Handle(codeEcho, echoHandler)
	})
	cl := newTestClient(t, ClientConfig{})
	var calls atomic.Int32
	errc := make(chan error, 2)
	err := cl.InvokeAsync(context.Background(), s.Addr(), protocol.NewRequest(codeSlow), 30*time.Millisecond,
		func(_ *protocol.Command, err error) {
			calls.Add(1)
			errc <- err
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := recvOrFail(t, errc, "timeout"); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	to := recvOrFail(t, held, "held request")
	if err := to.Reply(protocol.NewResponse(protocol.RespSuccess, "late")); err != nil {
		t.Fatal(err)
	}
	// Responses come in order on the one connection: once the echo is
	// back, the late answer has been read (and dropped).
	mustEcho(t, cl, s.Addr())
	if n := calls.Load(); n != 1 {
		t.Fatalf("callback ran %d times, want 1", n)
	}
}

// TestClientInvokeAsyncFailsOnConnectionLoss: requests in flight when the
// connection dies, or when the client closes, fail once each.
func TestClientInvokeAsyncFailsOnConnectionLoss(t *testing.T) {
	held := make(chan ReplyTo, 16)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeSlow, func(c *Conn, req *protocol.Command) { held <- c.Defer(req) })
		s.Handle(codeLater, func(c *Conn, req *protocol.Command) { _ = c.Close() })
	})
	for _, tc := range []struct {
		name string
		kill func(cl *Client)
		want error
	}{
		{"server closes", func(cl *Client) {
			_ = cl.InvokeAsync(context.Background(), s.Addr(), protocol.NewRequest(codeLater), 0, func(*protocol.Command, error) {})
		}, ErrConnClosed},
		{"client closes", func(cl *Client) { _ = cl.Close() }, ErrClientClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := NewClient(ClientConfig{RequestTimeout: time.Minute})
			defer cl.Close()
			const n = 8
			var mu sync.Mutex
			counts := make(map[int]int)
			errc := make(chan error, 2*n)
			for i := range n {
				err := cl.InvokeAsync(context.Background(), s.Addr(), protocol.NewRequest(codeSlow), 0,
					func(_ *protocol.Command, err error) {
						mu.Lock()
						counts[i]++
						mu.Unlock()
						errc <- err
					})
				if err != nil {
					t.Fatal(err)
				}
			}
			for range n {
				recvOrFail(t, held, "request at the server")
			}
			tc.kill(cl)
			for range n {
				if err := recvOrFail(t, errc, "failed call"); !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			}
			_ = cl.Close() // waits for the reader: no completion can follow
			mu.Lock()
			defer mu.Unlock()
			for i := range n {
				if counts[i] != 1 {
					t.Fatalf("call %d completed %d times", i, counts[i])
				}
			}
		})
	}
}

// TestClientInvokeAsyncAfterCloseFails: a closed client refuses, and the
// callback never runs.
func TestClientInvokeAsyncAfterCloseFails(t *testing.T) {
	cl := NewClient(ClientConfig{})
	_ = cl.Close()
	err := cl.InvokeAsync(context.Background(), "127.0.0.1:1", protocol.NewRequest(codeEcho), 0, func(*protocol.Command, error) {
		t.Error("callback ran after a refused InvokeAsync")
	})
	if !errors.Is(err, ErrClientClosed) {
		t.Fatalf("err = %v, want ErrClientClosed", err)
	}
}
