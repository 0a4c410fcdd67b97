package netpoll

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// TestServerAssemblesFramesAcrossReads: frames far larger than the loop's
// read buffer, and a frame dribbled in one byte per write, arrive whole at
// the handler.
func TestServerAssemblesFramesAcrossReads(t *testing.T) {
	s := startServer(t, Config{ReadBufferBytes: 4 << 10}, func(s *Server) { s.Handle(codeEcho, echoHandler) })
	cl := newTestClient(t, ClientConfig{})
	t.Run("size=1MiB", func(t *testing.T) {
		body := make([]byte, 1<<20)
		for i := range body {
			body[i] = byte(rand.Uint32())
		}
		req := protocol.NewRequest(codeEcho)
		req.Body = body
		resp, err := cl.Invoke(context.Background(), s.Addr(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(resp.Body, body) {
			t.Fatalf("echoed %d bytes differ from the %d sent", len(resp.Body), len(body))
		}
	})
	t.Run("dribbled=1B", func(t *testing.T) {
		nc := dialRaw(t, s.Addr())
		frame := encodeRequest(codeEcho, 5, 0, "byte by byte")
		for i := range frame {
			if _, err := nc.Write(frame[i : i+1]); err != nil {
				t.Fatal(err)
			}
		}
		if resp := readRawFrame(t, nc); resp.Opaque != 5 || string(resp.Body) != "byte by byte" {
			t.Fatalf("opaque=%d body=%q", resp.Opaque, resp.Body)
		}
	})
}

// TestServerClosesConnectionThatDoesNotRead: a peer that sends requests but
// never reads the (large) answers is closed once its unsent replies pass
// MaxOutboundBytes; the server and other connections carry on.
func TestServerClosesConnectionThatDoesNotRead(t *testing.T) {
	big := make([]byte, 1<<20)
	logs := &logBuffer{}
	closed := make(chan uint64, 1)
	s := startServer(t, Config{MaxOutboundBytes: 4 << 20, Logger: logs.logger()}, func(s *Server) {
		s.Handle(codeVec, func(c *Conn, req *protocol.Command) {
			_ = c.ReplyVec(req, protocol.NewResponse(protocol.RespSuccess, ""), [][]byte{big}, nil)
		})
		s.Handle(codeEcho, echoHandler)
		s.OnClose(func(c *Conn) { closed <- c.ID() })
	})
	nc := dialRaw(t, s.Addr())
	var frames []byte
	for i := range 64 {
		frames = append(frames, encodeRequest(codeVec, int32(i+1), 0, "")...)
	}
	if _, err := nc.Write(frames); err != nil {
		t.Fatal(err)
	}
	recvOrFail(t, closed, "slow reader to be closed")
	if !containsAll(logs.String(), "does not read its replies") {
		t.Fatalf("no log line; logs:\n%s", logs.String())
	}
	mustEcho(t, newTestClient(t, ClientConfig{}), s.Addr())
}

// TestLoopDropsMemoryOfHugeHeaders: a request with a huge header (here
// 100,000 ext entries) grows the loop's reused command; the loop must not
// keep that memory for the rest of its life, or every loop would pin tens
// of MiB after one hostile frame. The next request's handler, given the
// same reused command, sees how much room it kept.
func TestLoopDropsMemoryOfHugeHeaders(t *testing.T) {
	type seenReq struct{ entries, room int }
	seen := make(chan seenReq, 2)
	s := startServer(t, Config{NumEventLoops: 1}, func(s *Server) {
		s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
			seen <- seenReq{req.NumExtFields(), cap(req.ExtFields())}
			echoHandler(c, req)
		})
	})
	huge := protocol.NewRequest(codeEcho)
	huge.SerializeType = protocol.SerializeRocketMQ
	for i := range 100000 {
		huge.AddExtFieldInt("k", int64(i))
	}
	cl := newTestClient(t, ClientConfig{})
	if _, err := cl.Invoke(context.Background(), s.Addr(), huge); err != nil {
		t.Fatal(err)
	}
	if got := recvOrFail(t, seen, "huge request"); got.entries != 100000 {
		t.Fatalf("handler saw %d ext entries", got.entries)
	}
	mustEcho(t, cl, s.Addr()) // the next request, on the same loop
	if got := recvOrFail(t, seen, "next request"); got.room > 1024 {
		t.Fatalf("the loop kept room for %d ext entries after a huge header", got.room)
	}
}
