package namesrv

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// TestRouteLookupAllocations fixes the server's allocations per route
// lookup: a raw client writes a pre-encoded GET_ROUTEINFO_BY_TOPIC frame
// and reads the answer into a fixed buffer (neither allocates), so what is
// counted is netpoll's frame handling plus the handler: header decode,
// pooled reply, route encoding under the read lock.
func TestRouteLookupAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	s, _ := testServer(t, Config{})
	register(t, testClient(t), s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4}})
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	req := routeRequest("t", protocol.VersionV4_5_2)
	req.Opaque = 1
	frame := req.AppendFrame(nil)
	// Learn the answer's length from the first one.
	if _, err := nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var lenBuf [4]byte
	if _, err := io.ReadFull(nc, lenBuf[:]); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4+binary.BigEndian.Uint32(lenBuf[:]))
	if _, err := io.ReadFull(nc, buf[4:]); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(2000, func() {
		if _, err := nc.Write(frame); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(nc, buf); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("allocations per route lookup: %.2f", allocs)
	if allocs > 0.05 {
		t.Fatalf("%.2f allocations per route lookup on the server's steady path, want 0", allocs)
	}
}
