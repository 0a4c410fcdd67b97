package netpoll

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// fuzzMaxFrameBytes keeps fuzzed frames small.
const fuzzMaxFrameBytes = 64 << 10

// expectedAnswers models the server on input: the opaques it must answer,
// in order, and whether the stream is bad (the connection must close).
func expectedAnswers(input []byte) (opaques []int32, bad bool) {
	var cmd protocol.Command
	for len(input) > 0 {
		n, err := protocol.SplitFrame(input, fuzzMaxFrameBytes)
		if err != nil {
			return opaques, true
		}
		if n == 0 {
			return opaques, false // partial frame: the server waits
		}
		if cmd.Decode(input[:n]) != nil {
			return opaques, true
		}
		if !cmd.IsResponse() && !cmd.IsOneway() {
			opaques = append(opaques, cmd.Opaque)
		}
		input = input[n:]
	}
	return opaques, false
}

// FuzzServerFrames feeds arbitrary bytes, in two writes, to a running
// server whose default handler echoes. Invariants: every request frame of
// the valid prefix is answered once, in order, with its opaque; a bad frame
// closes the connection; the server keeps serving new connections.
func FuzzServerFrames(f *testing.F) {
	echo := encodeRequest(codeEcho, 7, 0, "body")
	bin := protocol.NewRequest(codeEcho)
	bin.SerializeType, bin.Opaque = protocol.SerializeRocketMQ, 8
	oneway := encodeRequest(codeEcho, 9, protocol.FlagOneway, "")
	resp := protocol.NewResponse(protocol.RespSuccess, "")
	resp.Opaque = 10
	f.Add([]byte{}, 0)
	f.Add(echo, len(echo)/2)
	f.Add(append(append(echo, bin.AppendFrame(nil)...), oneway...), 3)
	f.Add(resp.AppendFrame(nil), 1)
	f.Add(binary.BigEndian.AppendUint32(nil, 0xFFFFFFFF), 2)
	f.Add(binary.BigEndian.AppendUint32(nil, 3), 0)
	f.Add(append(echo, []byte("garbage after a valid frame")...), 5)
	f.Add(echo[:len(echo)-1], 4)

	s := startServer(f, Config{MaxFrameBytes: fuzzMaxFrameBytes, NumEventLoops: 1}, func(s *Server) {
		s.HandleDefault(echoHandler)
	})
	cl := newTestClient(f, ClientConfig{})
	f.Fuzz(func(t *testing.T, input []byte, split int) {
		want, bad := expectedAnswers(input)
		nc, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		split = min(max(split, 0), len(input))
		for _, part := range [][]byte{input[:split], input[split:]} {
			if len(part) > 0 {
				if _, err := nc.Write(part); err != nil && !bad {
					t.Fatalf("write: %v", err)
				}
			}
		}
		for _, opaque := range want {
			got := readRawFrame(t, nc)
			if !got.IsResponse() || got.Opaque != opaque {
				t.Fatalf("answer opaque=%d flag=%d, want response to %d", got.Opaque, got.Flag, opaque)
			}
		}
		if bad {
			expectClosed(t, nc)
		}
		mustEcho(t, cl, s.Addr())
	})
}
