package namesrv

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// benchServer starts a NameServer with 8 broker groups (master and slave)
// registered, each serving "bench-topic" and 50 other topics.
func benchServer(b *testing.B) *Server {
	b.Helper()
	s, _ := testServer(b, Config{NumEventLoops: 0})
	cl := testClient(b)
	for g := range 8 {
		topics := map[string]int32{"bench-topic": 8}
		for i := range 50 {
			topics[fmt.Sprintf("topic-%d-%d", g, i)] = 4
		}
		register(b, cl, s.Addr(), brokerSpec{name: fmt.Sprintf("broker-%d", g), addr: fmt.Sprintf("10.0.%d.1:10911", g), counter: 1, topics: topics})
		register(b, cl, s.Addr(), brokerSpec{name: fmt.Sprintf("broker-%d", g), addr: fmt.Sprintf("10.0.%d.2:10911", g), id: 1, counter: 1})
	}
	return s
}

// BenchmarkRouteLookup measures GET_ROUTEINFO_BY_TOPIC round trips over
// loopback: conns=1 is one connection with one request in flight;
// conns=64 is 64 connections, one goroutine each. lookups/s is the
// figure to compare; bytes are the route bodies received.
func BenchmarkRouteLookup(b *testing.B) {
	for _, conns := range []int{1, 64} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			s := benchServer(b)
			probe := invoke(b, testClient(b), s.Addr(), routeRequest("bench-topic", protocol.VersionV4_5_2))
			if probe.Code != 0 {
				b.Fatalf("probe: code %d", probe.Code)
			}
			b.SetBytes(int64(len(probe.Body)))
			b.ReportAllocs()
			if conns == 1 {
				lookupLoop(b, s.Addr())
			} else {
				lookupParallel(b, s.Addr(), conns)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}

func lookupLoop(b *testing.B, addr string) {
	cl := testClient(b)
	req := routeRequest("bench-topic", protocol.VersionV4_5_2)
	ctx := context.Background()
	for b.Loop() {
		resp, err := cl.Invoke(ctx, addr, req)
		if err != nil || resp.Code != 0 {
			b.Fatalf("lookup: %v", err)
		}
	}
}

func lookupParallel(b *testing.B, addr string, conns int) {
	clients := make([]*netpoll.Client, conns)
	for i := range clients {
		clients[i] = netpoll.NewClient(netpoll.ClientConfig{Logger: slog.New(slog.DiscardHandler)})
		defer clients[i].Close()
	}
	var next atomic.Int64
	// RunParallel starts parallelism x GOMAXPROCS goroutines; ask for at
	// least one per connection.
	b.SetParallelism((conns + 1) / 2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		cl := clients[int(next.Add(1)-1)%conns]
		req := routeRequest("bench-topic", protocol.VersionV4_5_2)
		ctx := context.Background()
		for pb.Next() {
			resp, err := cl.Invoke(ctx, addr, req)
			if err != nil || resp.Code != 0 {
				b.Errorf("lookup: %v", err)
				return
			}
		}
	})
}

// BenchmarkRouteTableAppendRoute is the table's share of a lookup: encode
// one 8-group route under the read lock, no network.
func BenchmarkRouteTableAppendRoute(b *testing.B) {
	rt := newRouteTable()
	for g := range 8 {
		rt.register(reg(fmt.Sprintf("broker-%d", g), 0, fmt.Sprintf("10.0.%d.1:10911", g), 1, 1, map[string]int32{"t": 8}), t0)
		rt.register(reg(fmt.Sprintf("broker-%d", g), 1, fmt.Sprintf("10.0.%d.2:10911", g), 1, 1, nil), t0)
	}
	var sc routeScratch
	buf, _ := rt.appendRoute(nil, &sc, "t", "", protocol.MapKeysBare)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var sc routeScratch
		buf := make([]byte, 0, 4096)
		for pb.Next() {
			buf, _ = rt.appendRoute(buf[:0], &sc, "t", "", protocol.MapKeysBare)
		}
	})
}
