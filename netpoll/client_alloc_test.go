package netpoll

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// sendLikeExt is the ext of a SEND_MESSAGE response as a 4.9 broker writes
// it (SendMessageResponseHeader plus MSG_REGION and TRACE_ON): six entries.
var sendLikeExt = [][2]string{
	{"msgId", "7F00000100002A9F0000000000000000"},
	{"queueId", "3"},
	{"queueOffset", "12345"},
	{"transactionId", "7F000001000000000000000000000000"},
	{"MSG_REGION", "DefaultRegion"},
	{"TRACE_ON", "true"},
}

// startCannedServer serves every request on a plain net listener with the
// same response (its opaque and codec set to the request's), allocating
// nothing per request once warm, so that allocation counts taken in this
// process are the client's alone. It serves one connection until the
// client closes it (register the client's cleanup after this one).
func startCannedServer(tb testing.TB, resp *protocol.Command) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	tb.Cleanup(func() {
		_ = ln.Close()
		<-done
	})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		serveCanned(nc, resp)
	}()
	return ln.Addr().String()
}

// serveCanned answers every frame on nc with resp until nc fails.
func serveCanned(nc net.Conn, resp *protocol.Command) {
	r := bufio.NewReader(nc)
	var (
		req   protocol.Command
		frame []byte
		out   []byte
	)
	for {
		prefix, err := r.Peek(4)
		if err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(prefix)) + 4
		frame = slices.Grow(frame[:0], n)[:n]
		if _, err := io.ReadFull(r, frame); err != nil {
			return
		}
		if err := req.Decode(frame); err != nil {
			return
		}
		resp.Opaque, resp.SerializeType = req.Opaque, req.SerializeType
		out = resp.AppendFrame(out[:0])
		if _, err := nc.Write(out); err != nil {
			return
		}
	}
}

// cannedSendResponse returns a response shaped like a broker's answer to a
// send.
func cannedSendResponse() *protocol.Command {
	resp := protocol.NewResponse(protocol.RespSuccess, "")
	for _, kv := range sendLikeExt {
		resp.AddExtField(kv[0], kv[1])
	}
	return resp
}

// BenchmarkClientInvoke measures one synchronous request through Client
// against a server that allocates nothing, so the allocations reported are
// the client's: request encoding, call matching and the response it
// returns.
//
//	go test -run '^$' -bench ClientInvoke -benchmem ./netpoll/
func BenchmarkClientInvoke(b *testing.B) {
	for _, st := range []protocol.SerializeType{protocol.SerializeRocketMQ, protocol.SerializeJSON} {
		b.Run("codec="+st.String(), func(b *testing.B) {
			addr := startCannedServer(b, cannedSendResponse())
			cl := newTestClient(b, ClientConfig{})
			req := protocol.NewRequest(codeEcho)
			req.SerializeType = st
			req.Body = make([]byte, 128)
			ctx := context.Background()
			if _, err := cl.Invoke(ctx, addr, req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cl.Invoke(ctx, addr, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestClientInvokeAllocations fixes the client's allocations per
// synchronous request with a six-entry response header: the response's
// frame and the command (its ext entries included) that the caller owns.
func TestClientInvokeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	for _, st := range []protocol.SerializeType{protocol.SerializeRocketMQ, protocol.SerializeJSON} {
		t.Run("codec="+st.String(), func(t *testing.T) {
			addr := startCannedServer(t, cannedSendResponse())
			cl := newTestClient(t, ClientConfig{})
			req := protocol.NewRequest(codeEcho)
			req.SerializeType = st
			req.Body = make([]byte, 128)
			ctx := context.Background()
			var resp *protocol.Command
			allocs := testing.AllocsPerRun(500, func() {
				var err error
				if resp, err = cl.Invoke(ctx, addr, req); err != nil {
					t.Fatal(err)
				}
			})
			for _, kv := range sendLikeExt {
				if v, _ := resp.ExtField(kv[0]); v != kv[1] {
					t.Fatalf("ext %s = %q, want %q", kv[0], v, kv[1])
				}
			}
			t.Logf("allocations per Invoke: %.2f", allocs)
			const want = 2 // the frame, and the command with its ext entries
			if allocs > want+0.05 {
				t.Fatalf("%.2f allocations per Invoke, want %d", allocs, want)
			}
		})
	}
}
