package netpoll

import (
	"context"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// TestStopAcceptingRefusesNewConnsServesOpenOnes starts draining while a
// request on an open connection is still unanswered: a connection opened
// afterwards is closed without an answer to its request, the open one still
// gets its in-flight reply and new requests served, and Drain returns once
// the reply is written.
func TestStopAcceptingRefusesNewConnsServesOpenOnes(t *testing.T) {
	pending := make(chan ReplyTo, 1)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, echoHandler)
		s.Handle(codeLater, func(c *Conn, req *protocol.Command) { pending <- c.Defer(req) })
	})
	old := dialRaw(t, s.Addr())
	if _, err := old.Write(encodeRequest(codeLater, 7, 0, "")); err != nil {
		t.Fatal(err)
	}
	to := recvOrFail(t, pending, "the in-flight request")

	s.StopAccepting()
	fresh := dialRaw(t, s.Addr())
	_, _ = fresh.Write(encodeRequest(codeEcho, 1, 0, "refused"))
	expectClosed(t, fresh)
	if got := s.Stats().ConnsRefused; got != 1 {
		t.Errorf("ConnsRefused = %d, want 1", got)
	}

	resp := protocol.NewResponse(protocol.RespSuccess, "late")
	if err := to.Reply(resp); err != nil {
		t.Fatalf("in-flight reply: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if got := readRawFrame(t, old); got.Opaque != 7 || got.Remark != "late" {
		t.Fatalf("in-flight reply = opaque %d remark %q", got.Opaque, got.Remark)
	}
	if _, err := old.Write(encodeRequest(codeEcho, 8, 0, "still")); err != nil {
		t.Fatal(err)
	}
	if got := readRawFrame(t, old); got.Opaque != 8 || string(got.Body) != "still" {
		t.Fatalf("echo on the open connection = opaque %d body %q", got.Opaque, got.Body)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Drain(ctx); err != ErrServerClosed {
		t.Errorf("Drain after Close = %v, want ErrServerClosed", err)
	}
}
