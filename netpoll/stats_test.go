package netpoll

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// TestStatsCountVectoredAndInlineBytes answers one request inline and one
// with ReplyVec (in the handler) and one with a deferred ReplyVec: every
// byte written is counted once, as inline or vectored, and the vectored
// count is exactly the ReplyVec slices.
func TestStatsCountVectoredAndInlineBytes(t *testing.T) {
	vec := [][]byte{bytes.Repeat([]byte("a"), 10000), bytes.Repeat([]byte("b"), 5000)}
	deferred := make(chan ReplyTo, 1)
	s := startServer(t, Config{}, func(s *Server) {
		s.Handle(codeEcho, echoHandler)
		s.Handle(codeVec, func(c *Conn, req *protocol.Command) {
			resp := protocol.NewResponse(protocol.RespSuccess, "")
			_ = c.ReplyVec(req, resp, vec, nil)
		})
		s.Handle(codeLater, func(c *Conn, req *protocol.Command) { deferred <- c.Defer(req) })
	})
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("Stats before traffic = %+v, want zero", st)
	}
	nc := dialRaw(t, s.Addr())
	var got int64
	for i, code := range []protocol.RequestCode{codeEcho, codeVec, codeLater} {
		if _, err := nc.Write(encodeRequest(code, int32(i+1), 0, "hello")); err != nil {
			t.Fatal(err)
		}
		if code == codeLater {
			to := recvOrFail(t, deferred, "deferred request")
			if err := to.ReplyVec(protocol.NewResponse(protocol.RespSuccess, ""), vec, nil); err != nil {
				t.Fatal(err)
			}
		}
		resp := readRawFrame(t, nc)
		got += int64(len(resp.AppendFrame(nil)))
	}
	st := s.Stats()
	wantVec := int64(2 * (len(vec[0]) + len(vec[1])))
	if st.BytesVectored != wantVec {
		t.Errorf("BytesVectored = %d, want %d", st.BytesVectored, wantVec)
	}
	if st.BytesWritten != got {
		t.Errorf("BytesWritten = %d, want the %d bytes the client read", st.BytesWritten, got)
	}
	if st.BytesInlineCopied+st.BytesVectored != st.BytesWritten {
		t.Errorf("inline %d + vectored %d != written %d", st.BytesInlineCopied, st.BytesVectored, st.BytesWritten)
	}
	if st.BytesOutboundCopied != 0 {
		t.Errorf("BytesOutboundCopied = %d for small replies to a reading client", st.BytesOutboundCopied)
	}
}

// TestStatsCountOutboundCopies writes a reply larger than the socket takes
// to a client that does not read yet: gnet copies the tail into its
// outbound buffer, and the counter shows it.
func TestStatsCountOutboundCopies(t *testing.T) {
	big := [][]byte{make([]byte, 8<<20)}
	s := startServer(t, Config{SocketSendBufferBytes: 64 << 10}, func(s *Server) {
		s.Handle(codeVec, func(c *Conn, req *protocol.Command) {
			_ = c.ReplyVec(req, protocol.NewResponse(protocol.RespSuccess, ""), big, nil)
		})
	})
	nc := dialRaw(t, s.Addr())
	if _, err := nc.Write(encodeRequest(codeVec, 1, 0, "")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "an outbound copy", func() bool { return s.Stats().BytesOutboundCopied > 0 })
	st := s.Stats()
	if st.BytesOutboundCopied > st.BytesWritten || st.BytesVectored != int64(len(big[0])) {
		t.Errorf("Stats = %+v", st)
	}
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.CopyN(io.Discard, nc, st.BytesWritten); err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
}
