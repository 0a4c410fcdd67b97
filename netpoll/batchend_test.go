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
			c.NeedBatchEnd()
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
// connections, and batches whose handlers did not ask for the hook, are
// still served.
func TestOnBatchEndFailureDropsRepliesAndCloses(t *testing.T) {
	var fail atomic.Bool
	var hooked atomic.Int64
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, echoHandler)
		s.Handle(codeNeedsHook, func(c *Conn, req *protocol.Command) {
			c.NeedBatchEnd()
			echoHandler(c, req)
		})
		s.OnBatchEnd(func() error {
			hooked.Add(1)
			if fail.Load() {
				return errors.New("commit failed")
			}
			return nil
		})
	})
	nc := dialRaw(t, s.Addr())
	defer nc.Close()
	fail.Store(true)
	cl := newTestClient(t, ClientConfig{})
	mustEcho(t, cl, s.Addr()) // no hook asked for: served while the hook fails
	if n := hooked.Load(); n != 0 {
		t.Fatalf("hook ran %d times for batches that did not ask for it", n)
	}
	if _, err := nc.Write(encodeRequest(codeNeedsHook, 1, 0, "x")); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, nc)
	if hooked.Load() != 1 {
		t.Fatalf("hook ran %d times, want 1", hooked.Load())
	}
	fail.Store(false)
	mustEcho(t, cl, s.Addr())
}

// codeNeedsHook is a request code whose test handler asks for the
// batch-end hook.
const codeNeedsHook = codeEcho + 1000

func TestOnBatchEndAfterStartPanics(t *testing.T) {
	s := startServer(t, Config{}, nil)
	defer func() {
		if recover() == nil {
			t.Fatal("OnBatchEnd after Start did not panic")
		}
	}()
	s.OnBatchEnd(func() error { return nil })
}
