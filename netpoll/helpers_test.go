package netpoll

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// Test codes: any request codes will do.
const (
	codeEcho  protocol.RequestCode = 10
	codeLater protocol.RequestCode = 11
	codeVec   protocol.RequestCode = 12
	codeSlow  protocol.RequestCode = 13
)

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// startServer starts a server on 127.0.0.1:0 after setup registered its
// handlers, and closes it when the test ends.
func startServer(tb testing.TB, cfg Config, setup func(s *Server)) *Server {
	tb.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.NumEventLoops == 0 {
		cfg.NumEventLoops = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	s, err := NewServer(cfg)
	if err != nil {
		tb.Fatalf("NewServer: %v", err)
	}
	if setup != nil {
		setup(s)
	}
	if err := s.Start(); err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// quietLogger discards everything.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// echoHandler answers with the request's body and remark "echo".
func echoHandler(c *Conn, req *protocol.Command) {
	var resp protocol.Command
	resp.InitResponse(protocol.RespSuccess, "echo")
	resp.Body = req.Body
	_ = c.Reply(req, &resp)
}

func newTestClient(tb testing.TB, cfg ClientConfig) *Client {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cl := NewClient(cfg)
	tb.Cleanup(func() { _ = cl.Close() })
	return cl
}

// mustEcho checks that the server at addr still answers.
func mustEcho(tb testing.TB, cl *Client, addr string) {
	tb.Helper()
	req := protocol.NewRequest(codeEcho)
	req.Body = []byte("still-served")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cl.Invoke(ctx, addr, req)
	if err != nil {
		tb.Fatalf("echo: %v", err)
	}
	if string(resp.Body) != "still-served" {
		tb.Fatalf("echo body = %q", resp.Body)
	}
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// recvOrFail receives from ch within 5 s.
func recvOrFail[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		tb.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// dialRaw opens a plain TCP connection to addr.
func dialRaw(tb testing.TB, addr string) net.Conn {
	tb.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { _ = nc.Close() })
	return nc
}

// encodeRequest returns the frame of a request.
func encodeRequest(code protocol.RequestCode, opaque int32, flag int32, body string) []byte {
	req := protocol.NewRequest(code)
	req.Opaque = opaque
	req.Flag = flag
	req.Body = []byte(body)
	return req.AppendFrame(nil)
}

// readRawFrame reads one frame from nc and decodes it.
func readRawFrame(tb testing.TB, nc net.Conn) *protocol.Command {
	tb.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var prefix [4]byte
	if _, err := io.ReadFull(nc, prefix[:]); err != nil {
		tb.Fatalf("read prefix: %v", err)
	}
	frame := make([]byte, binary.BigEndian.Uint32(prefix[:])+4)
	copy(frame, prefix[:])
	if _, err := io.ReadFull(nc, frame[4:]); err != nil {
		tb.Fatalf("read frame: %v", err)
	}
	cmd := new(protocol.Command)
	if err := cmd.Decode(frame); err != nil {
		tb.Fatalf("decode: %v", err)
	}
	return cmd
}

// expectClosed waits until the server closes nc: a read returns EOF or a
// reset, with no frame before it.
func expectClosed(tb testing.TB, nc net.Conn) {
	tb.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf [1]byte
	n, err := nc.Read(buf[:])
	if err == nil {
		tb.Fatalf("read %d bytes, want the connection closed", n)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		tb.Fatalf("connection still open after 5 s")
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
