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

// TestClientMatchesPipelinedResponses runs many concurrent requests over
// the client's single connection while the server answers in an order of
// its own: each caller gets the answer to its request.
func TestClientMatchesPipelinedResponses(t *testing.T) {
	const n = 200
	var connIDs sync.Map
	type held struct {
		to   ReplyTo
		body string
	}
	pending := make(chan held, n)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeLater, func(c *Conn, req *protocol.Command) {
			connIDs.Store(c.ID(), true)
			pending <- held{c.Defer(req), string(req.Body)}
		})
	})
	go func() {
		// Answer in reverse arrival order once all have arrived.
		all := make([]held, 0, n)
		for range n {
			select {
			case h := <-pending:
				all = append(all, h)
			case <-time.After(5 * time.Second):
				return
			}
		}
		for i := len(all) - 1; i >= 0; i-- {
			resp := protocol.NewResponse(protocol.RespSuccess, "")
			resp.Body = []byte(all[i].body)
			_ = all[i].to.Reply(resp)
		}
	}()
	cl := newTestClient(t, ClientConfig{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := protocol.NewRequest(codeLater)
			req.Body = []byte(strconv.Itoa(i))
			resp, err := cl.Invoke(context.Background(), s.Addr(), req)
			if err != nil {
				t.Errorf("Invoke %d: %v", i, err)
				return
			}
			if string(resp.Body) != strconv.Itoa(i) || resp.Opaque != req.Opaque {
				t.Errorf("request %d got body %q opaque %d (sent %d)", i, resp.Body, resp.Opaque, req.Opaque)
			}
		}()
	}
	wg.Wait()
	used := 0
	connIDs.Range(func(any, any) bool { used++; return true })
	if used != 1 {
		t.Fatalf("requests came over %d connections, want 1 (pipelined)", used)
	}
}

// TestClientTimesOut: a request the server never answers fails with
// ErrTimeout (matching the context's error too), and a late answer to it is
// dropped without disturbing the next request.
func TestClientTimesOut(t *testing.T) {
	held := make(chan ReplyTo, 4)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeSlow, func(c *Conn, req *protocol.Command) { held <- c.Defer(req) })
		s.Handle(codeEcho, echoHandler)
	})
	cl := newTestClient(t, ClientConfig{RequestTimeout: 30 * time.Millisecond})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := cl.Invoke(ctx, s.Addr(), protocol.NewRequest(codeSlow))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTimeout and DeadlineExceeded", err)
	}
	// No deadline on the context: RequestTimeout applies.
	if _, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(codeSlow)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	for range 2 {
		to := recvOrFail(t, held, "held request")
		if err := to.Reply(protocol.NewResponse(protocol.RespSuccess, "late")); err != nil {
			t.Fatal(err)
		}
	}
	mustEcho(t, cl, s.Addr())
}

// TestClientReconnectsAfterConnectionLoss: the server drops the connection
// with a request in flight; that request fails with ErrConnClosed and the
// next one is served on a new connection.
func TestClientReconnectsAfterConnectionLoss(t *testing.T) {
	conns := make(chan *Conn, 8)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			conns <- c
			echoHandler(c, req)
		})
		s.Handle(codeSlow, func(c *Conn, req *protocol.Command) { _ = c.Close() })
	})
	cl := newTestClient(t, ClientConfig{})
	mustEcho(t, cl, s.Addr())
	first := recvOrFail(t, conns, "first conn")

	_, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(codeSlow))
	if !errors.Is(err, ErrConnClosed) {
		t.Fatalf("in-flight request on a dropped connection: %v, want ErrConnClosed", err)
	}
	waitFor(t, "client to drop the dead connection", func() bool {
		cl.mu.Lock()
		defer cl.mu.Unlock()
		return cl.mu.conns[s.Addr()] == nil
	})
	mustEcho(t, cl, s.Addr())
	second := recvOrFail(t, conns, "second conn")
	if second.ID() == first.ID() {
		t.Fatal("request went over the dropped connection")
	}
}

// TestClientReconnectsToRestartedServer: the server goes away and comes
// back on the same address; the client fails while it is gone and serves
// again once it is back.
func TestClientReconnectsToRestartedServer(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	addr := s.Addr()
	cl := newTestClient(t, ClientConfig{DialTimeout: time.Second})
	mustEcho(t, cl, addr)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := cl.Invoke(ctx, addr, protocol.NewRequest(codeEcho)); err == nil {
		t.Fatal("Invoke succeeded with the server down")
	}
	startServer(t, Config{Addr: addr}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	mustEcho(t, cl, addr)
}

func TestClientOnewayGetsNoResponse(t *testing.T) {
	got := make(chan int32, 4)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			got <- req.Flag
			echoHandler(c, req)
		})
	})
	logs := &logBuffer{}
	cl := newTestClient(t, ClientConfig{Logger: logs.logger()})
	if err := cl.InvokeOneway(context.Background(), s.Addr(), protocol.NewRequest(codeEcho)); err != nil {
		t.Fatal(err)
	}
	if flag := recvOrFail(t, got, "oneway request"); flag != protocol.FlagOneway {
		t.Fatalf("flag = %d, want oneway", flag)
	}
	mustEcho(t, cl, s.Addr())
	<-got
}

func TestClientDialFailureIsRetried(t *testing.T) {
	var dials atomic.Int32
	s := startServer(t, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	cl := newTestClient(t, ClientConfig{})
	cl.cfg.dial = func(ctx context.Context, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, errors.New("dial refused by test")
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	if _, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(codeEcho)); err == nil {
		t.Fatal("first Invoke should fail to dial")
	}
	mustEcho(t, cl, s.Addr())
}

func TestClientCloseFailsRequestsInFlight(t *testing.T) {
	held := make(chan ReplyTo, 1)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeSlow, func(c *Conn, req *protocol.Command) { held <- c.Defer(req) })
	})
	cl := NewClient(ClientConfig{})
	errc := make(chan error, 1)
	go func() {
		_, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(codeSlow))
		errc <- err
	}()
	recvOrFail(t, held, "request at the server")
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if err := recvOrFail(t, errc, "failed Invoke"); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("in-flight Invoke = %v, want ErrClientClosed", err)
	}
	if _, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(codeSlow)); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("Invoke after Close = %v", err)
	}
	if err := cl.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestClientClosesConnectionOnOversizedFrame(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			resp := protocol.NewResponse(protocol.RespSuccess, "")
			resp.Body = make([]byte, 4096)
			_ = c.Reply(req, resp)
		})
	})
	cl := newTestClient(t, ClientConfig{MaxFrameBytes: 1024})
	_, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(codeEcho))
	if !errors.Is(err, ErrConnClosed) {
		t.Fatalf("err = %v, want ErrConnClosed", err)
	}
}

// TestClientQueueIsBounded: against a peer that never reads, the bytes
// waiting on one connection stop at MaxQueuedBytes and further requests
// fail fast with ErrQueueFull.
func TestClientQueueIsBounded(t *testing.T) {
	ln, accepted := neverReadingPeer(t)
	cl := NewClient(ClientConfig{MaxQueuedBytes: 1 << 20, RequestTimeout: time.Minute})
	big := protocol.NewRequest(codeEcho)
	big.Body = make([]byte, 32<<20) // more than the socket buffers take
	writer := make(chan error, 1)
	go func() {
		_, err := cl.Invoke(context.Background(), ln.Addr().String(), big)
		writer <- err
	}()
	peer := recvOrFail(t, accepted, "accepted connection")
	defer peer.Close()
	var full bool
	for i := 0; i < 100 && !full; i++ {
		req := protocol.NewRequest(codeEcho)
		req.Body = make([]byte, 256<<10)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := cl.Invoke(ctx, ln.Addr().String(), req)
		cancel()
		full = errors.Is(err, ErrQueueFull)
	}
	if !full {
		t.Fatal("no ErrQueueFull after queueing far more than MaxQueuedBytes")
	}
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if err := recvOrFail(t, writer, "blocked writer"); err == nil {
		t.Fatal("the blocked request succeeded")
	}
}

// neverReadingPeer listens on 127.0.0.1 and hands every connection it
// accepts to the returned channel, held open and never read: a peer whose
// socket buffers fill. The listener and every accepted connection are
// closed when the test ends.
func neverReadingPeer(t *testing.T) (net.Listener, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case accepted <- nc:
			default:
				nc.Close() // more connections than any test takes
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for {
			select {
			case nc := <-accepted:
				nc.Close()
			default:
				return
			}
		}
	})
	return ln, accepted
}
