package netpoll

import (
	"io"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// TestServerRoundTripAllocations fixes the server's allocations per request
// on the steady path: a raw client writes a pre-encoded frame and reads the
// answer into a fixed buffer (neither allocates), so what AllocsPerRun
// counts is the server's frame assembly, dispatch, handler reply and write.
func TestServerRoundTripAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	// The deferred path costs what gnet's EventLoop.Execute allocates: its
	// closure and a node of its lock-free task queue, per batch of deferred
	// frames (here every frame is its own batch).
	limits := map[string]float64{"inline": 0, "vec": 0, "deferred": 2}
	for _, mode := range []string{"inline", "vec", "deferred"} {
		t.Run("reply="+mode, func(t *testing.T) {
			payload := make([][]byte, 3)
			for i := range payload {
				payload[i] = make([]byte, 64)
			}
			release := func(error) {}
			s := startServer(t, Config{NumEventLoops: 1}, func(s *Server) {
				s.Handle(codeEcho, func(c *Conn, req *protocol.Command) {
					var resp protocol.Command
					resp.InitResponse(protocol.RespSuccess, "")
					switch mode {
					case "inline":
						resp.Body = req.Body
						_ = c.Reply(req, &resp)
					case "vec":
						_ = c.ReplyVec(req, &resp, payload, release)
					case "deferred":
						// Goroutine-safe path, taken here on the loop itself.
						_ = c.Defer(req).ReplyVec(&resp, payload, release)
					}
				})
			})
			nc := dialRaw(t, s.Addr())
			frame := encodeRequest(codeEcho, 1, 0, string(make([]byte, 100)))
			if _, err := nc.Write(frame); err != nil {
				t.Fatal(err)
			}
			// Warm up and learn the answer's size (the encoding is
			// deterministic, so re-encoding gives the same length).
			buf := make([]byte, len(readRawFrame(t, nc).AppendFrame(nil)))
			allocs := testing.AllocsPerRun(2000, func() {
				if _, err := nc.Write(frame); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(nc, buf); err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("allocations per round trip: %.2f", allocs)
			if allocs > limits[mode]+0.05 {
				t.Fatalf("%.2f allocations per round trip on the server's steady path, want %v", allocs, limits[mode])
			}
		})
	}
}
