package netpoll

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// releaseLog records release callbacks and fails the test on a second call.
type releaseLog struct {
	tb   testing.TB
	mu   sync.Mutex
	errs map[string][]error
	ch   chan string
}

func newReleaseLog(tb testing.TB) *releaseLog {
	return &releaseLog{tb: tb, errs: make(map[string][]error), ch: make(chan string, 4096)}
}

func (r *releaseLog) release(name string) func(error) {
	return func(err error) {
		r.mu.Lock()
		r.errs[name] = append(r.errs[name], err)
		n := len(r.errs[name])
		r.mu.Unlock()
		if n > 1 {
			r.tb.Errorf("release %s ran %d times", name, n)
		}
		r.ch <- name
	}
}

func (r *releaseLog) result(name string) (calls int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := r.errs[name]
	if len(errs) == 0 {
		return 0, nil
	}
	return len(errs), errs[0]
}

// TestDeferredRepliesFromOtherGoroutines answers every request from a
// goroutine, in random order, while the client pipelines: each caller gets
// its own answer.
func TestDeferredRepliesFromOtherGoroutines(t *testing.T) {
	pending := make(chan ReplyTo, 256)
	bodies := make(chan []byte, 256)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeLater, func(c *Conn, req *protocol.Command) {
			pending <- c.Defer(req)
			bodies <- bytes.Clone(req.Body) // req.Body dies when the handler returns
		})
	})
	const n = 100
	var answerer sync.WaitGroup
	answerer.Add(1)
	go func() {
		defer answerer.Done()
		tos := make([]ReplyTo, 0, n)
		bs := make([][]byte, 0, n)
		for range n {
			tos = append(tos, recvOrFail(t, pending, "deferred request"))
			bs = append(bs, <-bodies)
		}
		for _, i := range rand.Perm(n) {
			resp := protocol.NewResponse(protocol.RespSuccess, "")
			resp.Body = bs[i]
			if err := tos[i].Reply(resp); err != nil {
				t.Errorf("Reply: %v", err)
			}
		}
	}()
	cl := newTestClient(t, ClientConfig{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := protocol.NewRequest(codeLater)
			want := "req-" + strconv.Itoa(i)
			req.Body = []byte(want)
			resp, err := cl.Invoke(context.Background(), s.Addr(), req)
			if err != nil {
				t.Errorf("Invoke %d: %v", i, err)
				return
			}
			if string(resp.Body) != want {
				t.Errorf("request %q got answer %q", want, resp.Body)
			}
		}()
	}
	wg.Wait()
	answerer.Wait()
}

// TestReplyVecWritesSlicesThenReleases answers with a header plus slices
// owned elsewhere, inline and deferred, including more slices than one
// writev takes; every release runs once, with nil, and the client sees the
// bytes in order.
func TestReplyVecWritesSlicesThenReleases(t *testing.T) {
	rl := newReleaseLog(t)
	slices := func(n int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = []byte(strconv.Itoa(i) + ",")
		}
		return out
	}
	joined := func(prefix string, bs [][]byte) string { return prefix + string(bytes.Join(bs, nil)) }
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeVec, func(c *Conn, req *protocol.Command) {
			n, _ := strconv.Atoi(string(req.Body))
			resp := protocol.NewResponse(protocol.RespSuccess, "")
			resp.Body = []byte("inline:")
			if err := c.ReplyVec(req, resp, slices(n), rl.release("inline-"+strconv.Itoa(n))); err != nil {
				t.Errorf("ReplyVec: %v", err)
			}
		})
		s.Handle(codeLater, func(c *Conn, req *protocol.Command) {
			n, _ := strconv.Atoi(string(req.Body))
			to := c.Defer(req)
			go func() {
				resp := protocol.NewResponse(protocol.RespSuccess, "")
				if err := to.ReplyVec(resp, slices(n), rl.release("deferred-"+strconv.Itoa(n))); err != nil {
					t.Errorf("deferred ReplyVec: %v", err)
				}
			}()
		})
	})
	cl := newTestClient(t, ClientConfig{})
	for _, n := range []int{1, 3, 1500} {
		for _, mode := range []string{"inline", "deferred"} {
			t.Run("mode="+mode+"/slices="+strconv.Itoa(n), func(t *testing.T) {
				code, prefix := codeVec, "inline:"
				if mode == "deferred" {
					code, prefix = codeLater, ""
				}
				req := protocol.NewRequest(code)
				req.Body = []byte(strconv.Itoa(n))
				resp, err := cl.Invoke(context.Background(), s.Addr(), req)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := string(resp.Body), joined(prefix, slices(n)); got != want {
					t.Fatalf("body %d bytes, want %d", len(got), len(want))
				}
				name := mode + "-" + strconv.Itoa(n)
				waitFor(t, "release of "+name, func() bool { calls, _ := rl.result(name); return calls == 1 })
				if _, err := rl.result(name); err != nil {
					t.Fatalf("release err = %v, want nil", err)
				}
			})
		}
	}
}

// TestDeferredReplyAfterCloseReleasesOnce answers after the client went
// away and after the server stopped: the release runs exactly once with the
// reason, and nothing is written.
func TestDeferredReplyAfterCloseReleasesOnce(t *testing.T) {
	rl := newReleaseLog(t)
	held := make(chan ReplyTo, 4)
	closed := make(chan uint64, 4)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeLater, func(c *Conn, req *protocol.Command) { held <- c.Defer(req) })
		s.OnClose(func(c *Conn) { closed <- c.ID() })
	})
	nc := dialRaw(t, s.Addr())
	if _, err := nc.Write(encodeRequest(codeLater, 1, 0, "")); err != nil {
		t.Fatal(err)
	}
	to := recvOrFail(t, held, "held request")
	_ = nc.Close()
	if id := recvOrFail(t, closed, "close hook"); id != to.Conn().ID() {
		t.Fatalf("close hook for conn %d, want %d", id, to.Conn().ID())
	}
	err := to.ReplyVec(protocol.NewResponse(protocol.RespSuccess, ""), [][]byte{[]byte("x")}, rl.release("after-conn-close"))
	if !errors.Is(err, ErrConnClosed) {
		t.Fatalf("ReplyVec after close = %v, want ErrConnClosed", err)
	}
	if calls, rerr := rl.result("after-conn-close"); calls != 1 || !errors.Is(rerr, ErrConnClosed) {
		t.Fatalf("release ran %d times with %v", calls, rerr)
	}

	// A reply racing the server's Close: the release runs once, with nil or
	// with the close error, never zero or two times.
	nc2 := dialRaw(t, s.Addr())
	if _, err := nc2.Write(encodeRequest(codeLater, 2, 0, "")); err != nil {
		t.Fatal(err)
	}
	to2 := recvOrFail(t, held, "second held request")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			_ = to2.ReplyVec(protocol.NewResponse(protocol.RespSuccess, ""), [][]byte{[]byte("y")}, rl.release("race-"+strconv.Itoa(i)))
		}
	}()
	_ = s.Close()
	<-done
	for i := range 200 {
		if calls, _ := rl.result("race-" + strconv.Itoa(i)); calls != 1 {
			t.Fatalf("release race-%d ran %d times after Close returned", i, calls)
		}
	}
	err = to2.Reply(protocol.NewResponse(protocol.RespSuccess, ""))
	if !errors.Is(err, ErrConnClosed) && !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Reply after server Close = %v", err)
	}
}

func TestReplyOutsideHandlerIsRefused(t *testing.T) {
	kept := make(chan *Conn, 1)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			kept <- c
			echoHandler(c, req)
		})
	})
	cl := newTestClient(t, ClientConfig{})
	mustEcho(t, cl, s.Addr())
	c := recvOrFail(t, kept, "conn")
	var released atomic.Int32
	req := protocol.NewRequest(codeEcho)
	// Called from the test goroutine while no handler runs on c's loop.
	err := c.ReplyVec(req, protocol.NewResponse(protocol.RespSuccess, ""), [][]byte{{1}}, func(error) { released.Add(1) })
	if !errors.Is(err, ErrNotInHandler) || released.Load() != 1 {
		t.Fatalf("err=%v released=%d", err, released.Load())
	}
}
