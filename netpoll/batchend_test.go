package netpoll

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// The OnBatchEnd hook runs after the handlers of a read event and before
// their replies are written: a handler that counted work sees the hook
// finish it before the peer gets any answer.
func TestOnBatchEndRunsBeforeRepliesAreWritten(t *testing.T) {
	var handled, committed atomic.Int64
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			handled.Add(1)
			echoHandler(c, req)
		})
		s.OnBatchEnd(func() error {
			committed.Store(handled.Load())
			return nil
		})
	})
	nc := dialRaw(t, s.Addr())
	defer nc.Close()
	const n = 20
	var frames []byte
	for i := range n {
		frames = append(frames, encodeRequest(codeEcho, int32(i+1), 0, "x")...)
	}
	if _, err := nc.Write(frames); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		resp := readRawFrame(t, nc)
		if resp.Opaque != int32(i+1) {
			t.Fatalf("reply %d has opaque %d", i, resp.Opaque)
		}
		// Every handled request whose reply arrived was committed first.
		if got := committed.Load(); got < int64(i+1) {
			t.Fatalf("reply %d written before the hook covered it (hook saw %d handled)", i+1, got)
		}
	}
}

// A failing hook drops the batch's replies and closes the connection; other
// connections are still served.
func TestOnBatchEndFailureDropsRepliesAndCloses(t *testing.T) {
	var fail atomic.Bool
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, echoHandler)
		s.OnBatchEnd(func() error {
			if fail.Load() {
				return errors.New("commit failed")
			}
			return nil
		})
	})
	nc := dialRaw(t, s.Addr())
	defer nc.Close()
	fail.Store(true)
	if _, err := nc.Write(encodeRequest(codeEcho, 1, 0, "x")); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, nc)
	fail.Store(false)
	mustEcho(t, newTestClient(t, ClientConfig{}), s.Addr())
}

func TestOnBatchEndAfterStartPanics(t *testing.T) {
	s := startServer(t, Config{}, nil)
	defer func() {
		if recover() == nil {
			t.Fatal("OnBatchEnd after Start did not panic")
		}
	}()
	s.OnBatchEnd(func() error { return nil })
}
