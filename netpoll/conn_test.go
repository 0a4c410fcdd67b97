package netpoll

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// TestIdleConnectionIsClosed: a connection that sends nothing is closed
// after IdleTimeout and its close hook runs; a connection that keeps talking
// stays open. The server's clock is a test seam advanced by hand.
func TestIdleConnectionIsClosed(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_000_000, 0)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}
	closed := make(chan uint64, 4)
	conns := make(chan *Conn, 4)
	s := startServer(t, Config{IdleTimeout: 40 * time.Millisecond, now: clock}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			conns <- c
			echoHandler(c, req)
		})
		s.OnClose(func(c *Conn) { closed <- c.ID() })
	})
	cl := newTestClient(t, ClientConfig{})
	mustEcho(t, cl, s.Addr()) // the busy connection
	busy := recvOrFail(t, conns, "busy conn")
	idle := dialRaw(t, s.Addr())
	waitFor(t, "both connections", func() bool { return s.NumConns() == 2 })

	// Half the timeout passes with traffic on busy only, twice.
	for range 2 {
		advance(30 * time.Millisecond)
		waitFor(t, "a tick", func() bool { return s.clock.Load() == clock().UnixNano() })
		mustEcho(t, cl, s.Addr())
		<-conns
	}
	expectClosed(t, idle)
	recvOrFail(t, closed, "close hook of the idle connection")
	if busy.Closed() {
		t.Fatal("busy connection was closed as idle")
	}
	mustEcho(t, cl, s.Addr())
}

// TestOnCloseRunsOncePerConnection covers peer close, Conn.Close and server
// Close: every connection's hook runs exactly once.
func TestOnCloseRunsOncePerConnection(t *testing.T) {
	var mu sync.Mutex
	seen := make(map[uint64]int)
	opened := make(chan *Conn, 16)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			opened <- c
			echoHandler(c, req)
		})
		s.OnClose(func(c *Conn) {
			mu.Lock()
			seen[c.ID()]++
			mu.Unlock()
		})
	})
	count := func() (conns, calls int) {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range seen {
			calls += n
		}
		return len(seen), calls
	}
	var all []*Conn
	for range 6 {
		nc := dialRaw(t, s.Addr())
		if _, err := nc.Write(encodeRequest(codeEcho, 1, 0, "")); err != nil {
			t.Fatal(err)
		}
		readRawFrame(t, nc)
		all = append(all, recvOrFail(t, opened, "conn"))
	}
	// Two closed by the server, twice each.
	_ = all[0].Close()
	_ = all[0].Close()
	_ = all[1].Close()
	waitFor(t, "two close hooks", func() bool { n, _ := count(); return n == 2 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waits for the hooks of the connections it closed.
	if n, calls := count(); n != 6 || calls != 6 {
		t.Fatalf("hooks saw %d connections in %d calls, want 6 and 6", n, calls)
	}
	for _, c := range all {
		if !c.Closed() {
			t.Fatalf("conn %d not marked closed", c.ID())
		}
	}
}

// TestServerInvokesClientOnItsConnection sends broker-initiated requests on
// the connection the client opened: Invoke gets the client's answer, Send
// does not wait, InvokeAsync times out when the client does not answer and
// fails when the connection closes.
func TestServerInvokesClientOnItsConnection(t *testing.T) {
	conns := make(chan *Conn, 1)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			conns <- c
			echoHandler(c, req)
		})
	})
	notified := make(chan string, 4)
	cl := newTestClient(t, ClientConfig{OnRequest: func(addr string, req *protocol.Command) *protocol.Command {
		switch protocol.RequestCode(req.Code) {
		case protocol.ReqNotifyConsumerIdsChanged:
			notified <- string(req.Body)
			return nil
		case protocol.ReqCheckTransactionState:
			resp := protocol.NewResponse(protocol.RespSuccess, "checked")
			resp.Body = append([]byte("tx:"), req.Body...)
			return resp
		}
		return nil // silent: lets InvokeAsync time out
	}})
	mustEcho(t, cl, s.Addr())
	c := recvOrFail(t, conns, "server-side conn")

	req := protocol.NewRequest(protocol.ReqCheckTransactionState)
	req.Body = []byte("42")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Invoke(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Remark != "checked" || string(resp.Body) != "tx:42" || resp.Opaque != req.Opaque {
		t.Fatalf("resp remark=%q body=%q opaque=%d (req %d)", resp.Remark, resp.Body, resp.Opaque, req.Opaque)
	}

	note := protocol.NewRequest(protocol.ReqNotifyConsumerIdsChanged)
	note.Body = []byte("group-a")
	if err := c.Send(note); err != nil {
		t.Fatal(err)
	}
	if got := recvOrFail(t, notified, "notification"); got != "group-a" {
		t.Fatalf("client got %q", got)
	}

	results := make(chan error, 2)
	silent := protocol.NewRequest(4321)
	if err := c.InvokeAsync(silent, 30*time.Millisecond, func(_ *protocol.Command, err error) { results <- err }); err != nil {
		t.Fatal(err)
	}
	if err := recvOrFail(t, results, "async timeout"); !errors.Is(err, ErrTimeout) {
		t.Fatalf("InvokeAsync err = %v, want ErrTimeout", err)
	}

	if err := c.InvokeAsync(protocol.NewRequest(4321), 0, func(_ *protocol.Command, err error) { results <- err }); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if err := recvOrFail(t, results, "async close"); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("InvokeAsync after close = %v, want ErrConnClosed", err)
	}
	if _, err := c.Invoke(ctx, protocol.NewRequest(4321)); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("Invoke on closed conn = %v", err)
	}
}
