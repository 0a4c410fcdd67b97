package netpoll

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

func TestServerRepliesInRequestCodec(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	cl := newTestClient(t, ClientConfig{})
	for _, st := range []protocol.SerializeType{protocol.SerializeJSON, protocol.SerializeRocketMQ} {
		t.Run("codec="+st.String(), func(t *testing.T) {
			nc := dialRaw(t, s.Addr())
			req := protocol.NewRequest(codeEcho)
			req.SerializeType = st
			req.Opaque = 77
			req.Body = []byte("ping")
			if _, err := nc.Write(req.AppendFrame(nil)); err != nil {
				t.Fatal(err)
			}
			resp := readRawFrame(t, nc)
			if !resp.IsResponse() || resp.Opaque != 77 || resp.SerializeType != st {
				t.Fatalf("resp flag=%d opaque=%d codec=%v, want response 77 %v", resp.Flag, resp.Opaque, resp.SerializeType, st)
			}
			if resp.Code != int32(protocol.RespSuccess) || string(resp.Body) != "ping" || resp.Remark != "echo" {
				t.Fatalf("resp code=%d body=%q remark=%q", resp.Code, resp.Body, resp.Remark)
			}
		})
	}
	mustEcho(t, cl, s.Addr())
}

func TestServerAnswersUnknownCodeNotSupported(t *testing.T) {
	s := startServer(t, Config{}, nil)
	cl := newTestClient(t, ClientConfig{})
	resp, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(999))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != int32(protocol.RespRequestCodeNotSupported) || resp.Remark != " request type 999 not supported" {
		t.Fatalf("code=%d remark=%q", resp.Code, resp.Remark)
	}
}

func TestServerHandleDefaultServesUnknownCodes(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) {
		s.HandleDefault(func(c *Conn, req *protocol.Command) {
			resp := protocol.NewResponse(protocol.RespSystemError, "default")
			_ = c.Reply(req, resp)
		})
	})
	cl := newTestClient(t, ClientConfig{})
	resp, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(5000))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Remark != "default" {
		t.Fatalf("remark=%q", resp.Remark)
	}
}

func TestServerSparseCodeHandler(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) { s.Handle(200000, echoHandler) })
	cl := newTestClient(t, ClientConfig{})
	resp, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(200000))
	if err != nil || resp.Remark != "echo" {
		t.Fatalf("resp=%v err=%v", resp, err)
	}
}

func TestServerDoesNotAnswerOnewayRequests(t *testing.T) {
	calls := make(chan int32, 4)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			calls <- req.Opaque
			echoHandler(c, req)
		})
	})
	nc := dialRaw(t, s.Addr())
	frames := append(encodeRequest(codeEcho, 1, protocol.FlagOneway, "one-way"), encodeRequest(codeEcho, 2, 0, "two-way")...)
	// An unknown code sent oneway gets no REQUEST_CODE_NOT_SUPPORTED either.
	frames = append(encodeRequest(4242, 3, protocol.FlagOneway, ""), frames...)
	if _, err := nc.Write(frames); err != nil {
		t.Fatal(err)
	}
	resp := readRawFrame(t, nc)
	if resp.Opaque != 2 {
		t.Fatalf("first response has opaque %d, want 2 (oneway requests get none)", resp.Opaque)
	}
	if a, b := recvOrFail(t, calls, "call 1"), recvOrFail(t, calls, "call 2"); a != 1 || b != 2 {
		t.Fatalf("handler saw opaques %d, %d; want 1, 2", a, b)
	}
}

func TestServerPipelinedRequestsAnsweredInOneBatch(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	nc := dialRaw(t, s.Addr())
	var frames []byte
	for i := range 50 {
		frames = append(frames, encodeRequest(codeEcho, int32(i+1), 0, "p")...)
	}
	if _, err := nc.Write(frames); err != nil {
		t.Fatal(err)
	}
	seen := make(map[int32]bool)
	for range 50 {
		resp := readRawFrame(t, nc)
		if seen[resp.Opaque] || resp.Opaque < 1 || resp.Opaque > 50 {
			t.Fatalf("unexpected or repeated opaque %d", resp.Opaque)
		}
		seen[resp.Opaque] = true
	}
}

func TestServerHandlerPanicAnswersSystemError(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, func(*Conn, *protocol.Command) { panic("handler bug") })
		s.Handle(codeLater, echoHandler)
	})
	cl := newTestClient(t, ClientConfig{})
	resp, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(codeEcho))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != int32(protocol.RespSystemError) {
		t.Fatalf("code=%d, want SYSTEM_ERROR", resp.Code)
	}
	if _, err := cl.Invoke(context.Background(), s.Addr(), protocol.NewRequest(codeLater)); err != nil {
		t.Fatalf("server stopped serving after a panic: %v", err)
	}
}

// TestServerBadFramesCloseOnlyThatConnection sends garbage, truncated,
// oversized and undecodable frames on raw connections: each such connection
// is closed with a log line, while a client on another connection keeps
// being served.
func TestServerBadFramesCloseOnlyThatConnection(t *testing.T) {
	logs := &logBuffer{}
	s := startServer(t, Config{MaxFrameBytes: 1 << 10, Logger: logs.logger()}, func(s *Server) {
		s.Handle(codeEcho, echoHandler)
	})
	cl := newTestClient(t, ClientConfig{})
	mustEcho(t, cl, s.Addr())

	prefix := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	badJSON := append(prefix(4+9), 0, 0, 0, 9)
	badJSON = append(badJSON, "{not json"...)
	badCodec := append(prefix(4+2), 7, 0, 0, 2, '{', '}')
	headerTooLong := append(prefix(4+2), 0, 0, 0, 200, '{', '}')
	cases := map[string][]byte{
		"garbage":        []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		"lengthTooShort": prefix(2),
		"oversized":      prefix(1 << 20),
		"badJSONHeader":  badJSON,
		"badSerialize":   badCodec,
		"headerTooLong":  headerTooLong,
		"validThenBad":   append(encodeRequest(codeEcho, 1, 0, "ok"), prefix(0)...),
	}
	for name, frame := range cases {
		t.Run("kind="+name, func(t *testing.T) {
			nc := dialRaw(t, s.Addr())
			if _, err := nc.Write(frame); err != nil {
				t.Fatal(err)
			}
			if name == "validThenBad" {
				if resp := readRawFrame(t, nc); resp.Opaque != 1 {
					t.Fatalf("opaque %d", resp.Opaque)
				}
			}
			expectClosed(t, nc)
			mustEcho(t, cl, s.Addr())
		})
	}
	t.Run("kind=truncated", func(t *testing.T) {
		// Half a frame, then the peer goes away: nothing to log, nothing
		// dispatched, the server stays up.
		nc := dialRaw(t, s.Addr())
		frame := encodeRequest(codeEcho, 9, 0, "truncated body")
		if _, err := nc.Write(frame[:len(frame)/2]); err != nil {
			t.Fatal(err)
		}
		_ = nc.Close()
		mustEcho(t, cl, s.Addr())
	})
	waitFor(t, "log lines", func() bool {
		out := logs.String()
		return containsAll(out, "bad frame", "malformed frame", "frame exceeds the maximum frame size")
	})
	if s.NumConns() > 1 {
		waitFor(t, "bad connections to be gone", func() bool { return s.NumConns() == 1 })
	}
}

func TestServerCloseIsIdempotentAndStopsServing(t *testing.T) {
	s := startServer(t, Config{}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	addr := s.Addr()
	cl := newTestClient(t, ClientConfig{DialTimeout: time.Second})
	mustEcho(t, cl, addr)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := cl.Invoke(ctx, addr, protocol.NewRequest(codeEcho)); err == nil {
		t.Fatal("Invoke succeeded against a closed server")
	}
	if err := s.Start(); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
}

func TestNewServerRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"Addr":          {},
		"AddrNoPort":    {Addr: "localhost"},
		"NumEventLoops": {Addr: ":0", NumEventLoops: -1},
		"MaxFrameBytes": {Addr: ":0", MaxFrameBytes: 10},
		"IdleTimeout":   {Addr: ":0", IdleTimeout: -time.Second},
	} {
		t.Run("field="+name, func(t *testing.T) {
			if _, err := NewServer(cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}

// TestCloseStopsOwnedGoroutines: after Server.Close and Client.Close, none
// of the goroutines they started is left.
func TestCloseStopsOwnedGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := NewServer(Config{Addr: "127.0.0.1:0", IdleTimeout: time.Minute, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	s.Handle(codeEcho, echoHandler)
	s.OnClose(func(*Conn) {})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	cl := NewClient(ClientConfig{Logger: quietLogger()})
	mustEcho(t, cl, s.Addr())
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
}
