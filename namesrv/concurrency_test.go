package namesrv

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// TestRoutesReadWhileBrokersRegisterAndExpire runs route lookups over the
// wire while brokers register, heartbeat, expire and drop their connections.
// Under -race it checks the locking; it also checks that every answer is
// either TOPIC_NOT_EXIST or a route that decodes and whose every queue's
// broker group has a master address (the shape the Go client relies on).
func TestRoutesReadWhileBrokersRegisterAndExpire(t *testing.T) {
	s, clock := testServer(t, Config{})
	const (
		brokers = 4
		rounds  = 40
		readers = 3
		reads   = 150
	)
	deadline := time.Now().Add(20 * time.Second) // bounds every loop by time too
	var wg sync.WaitGroup
	errs := make(chan error, readers+brokers+1)

	for b := range brokers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := testClient(t)
			spec := brokerSpec{name: fmt.Sprintf("broker-%d", b), addr: fmt.Sprintf("10.0.0.%d:10911", b+1),
				topics: map[string]int32{"shared": 4, fmt.Sprintf("own-%d", b): 2}}
			for i := 0; i < rounds && time.Now().Before(deadline); i++ {
				spec.counter = int64(i % 3) // some registrations change the table
				if i%10 == 9 {
					cl.Close() // drop the connection: removed at once
					cl = testClient(t)
					continue
				}
				_, err := cl.Invoke(t.Context(), s.Addr(), registerRequest(spec))
				if err != nil && !errors.Is(err, netpoll.ErrConnClosed) {
					// (The scanner may close an expired broker's connection
					// under a registration in flight; the next round redials.)
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // the expiry scanner, driven by the fake clock
		defer wg.Done()
		for i := 0; i < rounds && time.Now().Before(deadline); i++ {
			clock.Advance(40 * time.Second)
			s.scanOnce()
		}
	}()
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := testClient(t)
			for i := 0; i < reads && time.Now().Before(deadline); i++ {
				resp, err := cl.Invoke(t.Context(), s.Addr(), routeRequest("shared", protocol.VersionV4_5_2))
				if err != nil {
					errs <- err
					return
				}
				if err := checkRouteAnswer(resp); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func checkRouteAnswer(resp *protocol.Command) error {
	switch protocol.ResponseCode(resp.Code) {
	case protocol.RespTopicNotExist:
		return nil
	case protocol.RespSuccess:
	default:
		return fmt.Errorf("route: code %d %s", resp.Code, resp.Remark)
	}
	r, err := protocol.DecodeTopicRouteData(resp.Body)
	if err != nil {
		return err
	}
	if len(r.QueueDatas) == 0 || len(r.BrokerDatas) == 0 {
		return fmt.Errorf("route with no queues or brokers: %s", resp.Body)
	}
	for _, bd := range r.BrokerDatas {
		if len(bd.Addrs) == 0 {
			return fmt.Errorf("broker group without addresses: %s", resp.Body)
		}
	}
	return nil
}

// TestRouteTableConcurrentModel hammers the table directly (no network) so
// the race detector sees many more interleavings of register, expire,
// connection close, delete and encode.
func TestRouteTableConcurrentModel(t *testing.T) {
	rt := newRouteTable()
	var wg sync.WaitGroup
	var mu sync.Mutex
	now := t0
	clock := func(d time.Duration) time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
		return now
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				r := reg(fmt.Sprintf("b%d", w), int64(i%2), fmt.Sprintf("a%d:%d", w, i%2), uint64(w+1), int64(i%5),
					map[string]int32{"t": 4, fmt.Sprintf("t%d", i%7): 1})
				rt.register(r, clock(time.Second))
				switch i % 50 {
				case 17:
					rt.connClosed(uint64(w + 1))
				case 33:
					rt.deleteTopic("t", "c1")
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 500 {
			rt.expire(clock(0), 3*time.Second)
		}
	}()
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sc routeScratch
			var buf []byte
			for range 2000 {
				var ok bool
				buf, ok = rt.appendRoute(buf[:0], &sc, "t", "", protocol.MapKeysBare)
				if ok {
					if _, err := protocol.DecodeTopicRouteData(buf); err != nil {
						t.Error(err)
						return
					}
				}
				rt.clusterInfo()
				rt.topicsByCluster("c1")
			}
		}()
	}
	wg.Wait()
}
