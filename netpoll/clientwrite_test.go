package netpoll

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// hookedConn runs onWrite before each write to the connection it wraps.
type hookedConn struct {
	net.Conn
	onWrite func(p []byte)
}

func (c *hookedConn) Write(p []byte) (int, error) {
	if c.onWrite != nil {
		c.onWrite(p)
	}
	return c.Conn.Write(p)
}

// TestClientWriteBuffersNeverAlias: after a request larger than the write
// buffer a connection keeps (maxKeptWriteBytes), the buffer callers append
// to must still be another array than the one being written. Here a
// request (r3) is appended while another one (r2) is on its way to the
// socket; if both used one array, r3's bytes would overwrite r2's mid-write,
// the server would see r3 twice and r2 never.
func TestClientWriteBuffersNeverAlias(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	r2Body := bytes.Repeat([]byte("2"), 200)
	writingR2 := make(chan struct{})
	r3Queued := make(chan struct{})
	var r2Once sync.Once
	var cc *clientConn
	cl := newTestClient(t, ClientConfig{})
	cl.cfg.dial = func(ctx context.Context, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return &hookedConn{Conn: nc, onWrite: func(p []byte) {
			if bytes.Contains(p, r2Body) {
				r2Once.Do(func() {
					close(writingR2)
					<-r3Queued // r3 is appended while r2 is being written
				})
			}
		}}, nil
	}
	invoke := func(body []byte) (*protocol.Command, error) {
		req := protocol.NewRequest(codeEcho)
		req.Body = body
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return cl.Invoke(ctx, s.Addr(), req)
	}
	// A request leaves its buffer (room for r2 and r3) as the spare, then
	// one larger than maxKeptWriteBytes is written from the other buffer.
	for _, body := range [][]byte{make([]byte, 4*len(r2Body)), make([]byte, 2*maxKeptWriteBytes)} {
		if resp, err := invoke(body); err != nil || !bytes.Equal(resp.Body, body) {
			t.Fatalf("warm-up request of %d bytes: %v", len(body), err)
		}
	}
	cl.mu.Lock()
	cc = cl.mu.conns[s.Addr()]
	cl.mu.Unlock()

	r2 := make(chan error, 1)
	go func() {
		resp, err := invoke(r2Body)
		if err == nil && !bytes.Equal(resp.Body, r2Body) {
			t.Errorf("r2 answered with %q", resp.Body)
		}
		r2 <- err
	}()
	<-writingR2
	r3Body := bytes.Repeat([]byte("3"), len(r2Body))
	r3 := make(chan error, 1)
	go func() {
		resp, err := invoke(r3Body)
		if err == nil && !bytes.Equal(resp.Body, r3Body) {
			t.Errorf("r3 answered with %q", resp.Body)
		}
		r3 <- err
	}()
	waitFor(t, "r3 queued behind r2's write", func() bool {
		cc.w.Lock()
		defer cc.w.Unlock()
		return bytes.Contains(cc.w.buf, r3Body)
	})
	close(r3Queued)
	for name, ch := range map[string]chan error{"r2": r2, "r3": r3} {
		if err := recvOrFail(t, ch, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestClientWriteToStalledPeerFails: a peer that accepts the connection but
// never reads makes the write of a large request block once the socket
// buffers are full. After WriteTimeout without progress the connection is
// closed and the request fails, rather than its caller hanging (past its
// own deadline) until the client is closed; the next request dials anew.
func TestClientWriteToStalledPeerFails(t *testing.T) {
	ln, accepted := neverReadingPeer(t)
	logs := &logBuffer{}
	cl := newTestClient(t, ClientConfig{WriteTimeout: 50 * time.Millisecond, RequestTimeout: time.Hour, Logger: logs.logger()})
	big := protocol.NewRequest(codeEcho)
	big.Body = make([]byte, 64<<20) // far more than the socket buffers take
	done := make(chan error, 1)
	go func() {
		_, err := cl.Invoke(context.Background(), ln.Addr().String(), big)
		done <- err
	}()
	peer := recvOrFail(t, accepted, "accepted connection")
	defer peer.Close()
	if err := recvOrFail(t, done, "the stalled request to fail"); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("err = %v, want ErrConnClosed", err)
	}
	if !strings.Contains(logs.String(), "peer takes no data") {
		t.Errorf("no log line for the stalled peer:\n%s", logs.String())
	}
	// The client dials a new connection for the next request.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _ = cl.Invoke(ctx, ln.Addr().String(), protocol.NewRequest(codeEcho))
	second := recvOrFail(t, accepted, "a second connection")
	_ = second.Close()
}
