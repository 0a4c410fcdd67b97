package namesrv

import (
	"context"
	"fmt"
	"hash/crc32"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// compressedRegisterRequest is registerRequest with a zlib body.
func compressedRegisterRequest(b brokerSpec) *protocol.Command {
	req := registerRequest(b)
	var body protocol.RegisterBrokerBody
	body.TopicConfigSerializeWrapper.TopicConfigTable = map[string]protocol.TopicConfig{}
	for topic, n := range b.topics {
		body.TopicConfigSerializeWrapper.TopicConfigTable[topic] = protocol.TopicConfig{
			TopicName: topic, ReadQueueNums: n, WriteQueueNums: n, Perm: 6}
	}
	req.Body = protocol.AppendRegisterBrokerBodyCompressed(nil, &body)
	req.SetExtFieldBool("compressed", true)
	req.SetExtFieldInt("bodyCrc32", int64(crc32.ChecksumIEEE(req.Body)&0x7FFFFFFF))
	return req
}

func (r *registrar) queued() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.mu.jobs)
}

// TestLargeRegistrationDecodedOffLoop holds the decode of a large
// registration: meanwhile the NameServer's only event loop still answers
// other requests, registrations queue up to the bound, the next one is
// answered SYSTEM_BUSY at once, and once released every queued one is
// registered and answered.
func TestLargeRegistrationDecodedOffLoop(t *testing.T) {
	s, _ := testServer(t, Config{}) // one event loop
	entered := make(chan struct{}, maxQueuedRegisters+2)
	release := make(chan struct{})
	s.registrar.beforeDecode = func() {
		entered <- struct{}{}
		<-release
	}
	cl := testClient(t)
	topics := map[string]int32{}
	for i := range 3000 {
		topics[fmt.Sprintf("big-topic-%04d", i)] = 4
	}
	big := registerRequest(brokerSpec{name: "big", addr: "10.0.0.1:10911", topics: topics})
	if len(big.Body) <= inlineRegisterBodyBytes {
		t.Fatalf("body of %d bytes is decoded inline", len(big.Body))
	}
	var wg sync.WaitGroup
	codes := make(chan int32, maxQueuedRegisters+1)
	registerAsync := func(req *protocol.Command) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := cl.Invoke(ctx, s.Addr(), req)
			if err != nil {
				t.Errorf("register: %v", err)
				return
			}
			codes <- resp.Code
		}()
	}
	registerAsync(big)
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the registrar never took the large registration")
	}

	if resp := invoke(t, cl, s.Addr(), protocol.NewRequest(protocol.ReqGetBrokerClusterInfo)); resp.Code != 0 {
		t.Fatalf("cluster info while a registration decodes: code %d %s", resp.Code, resp.Remark)
	}
	for i := range maxQueuedRegisters {
		registerAsync(compressedRegisterRequest(brokerSpec{name: fmt.Sprintf("q%d", i),
			addr: fmt.Sprintf("10.0.1.%d:10911", i), topics: map[string]int32{"small": 1}}))
	}
	waitFor(t, 5*time.Second, func() bool { return s.registrar.queued() == maxQueuedRegisters })
	over := compressedRegisterRequest(brokerSpec{name: "over", addr: "10.0.2.1:10911", topics: map[string]int32{"small": 1}})
	if resp := invoke(t, cl, s.Addr(), over); resp.Code != int32(protocol.RespSystemBusy) {
		t.Fatalf("registration past the queue bound: code %d %s, want SYSTEM_BUSY", resp.Code, resp.Remark)
	}

	close(release)
	wg.Wait()
	close(codes)
	n := 0
	for code := range codes {
		if code != 0 {
			t.Errorf("queued registration answered %d", code)
		}
		n++
	}
	if n != maxQueuedRegisters+1 {
		t.Errorf("%d registrations answered, want %d", n, maxQueuedRegisters+1)
	}
	if _, ok := s.routes.route("big-topic-2999"); !ok {
		t.Error("the large registration's topics have no route")
	}
	if r, ok := s.routes.route("small"); !ok || len(r.BrokerDatas) != maxQueuedRegisters {
		t.Errorf("route of small: %d brokers, want %d", len(r.BrokerDatas), maxQueuedRegisters)
	}
}

// TestRegistrarCloseAnswersQueuedJobs closes the server while registrations
// wait: each gets an answer or a closed connection, none hangs, and Close
// returns.
func TestRegistrarCloseAnswersQueuedJobs(t *testing.T) {
	s, _ := testServer(t, Config{})
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	s.registrar.beforeDecode = func() {
		entered <- struct{}{}
		<-release
	}
	cl := testClient(t)
	done := make(chan error, 2)
	for i := range 2 {
		req := compressedRegisterRequest(brokerSpec{name: fmt.Sprintf("c%d", i), addr: fmt.Sprintf("10.0.3.%d:10911", i),
			topics: map[string]int32{"t": 1}})
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := cl.Invoke(ctx, s.Addr(), req)
			done <- err
		}()
		if i == 0 {
			<-entered // the first is being decoded, the second will wait in the queue
		}
	}
	waitFor(t, 5*time.Second, func() bool { return s.registrar.queued() == 1 })
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a registration neither answered nor failed after Close")
		}
	}
}

// TestUnregisterWaitsForPendingRegistration: a broker whose compressed
// registration is still being decoded off the loop, and which then
// unregisters (a quick restart or shutdown), ends up unregistered: the
// unregistration is answered only after the registration was applied, and
// no route to the broker is left behind.
func TestUnregisterWaitsForPendingRegistration(t *testing.T) {
	s, _ := testServer(t, Config{})
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before the server's Close, even after a Fatal
	s.registrar.beforeDecode = func() {
		entered <- struct{}{}
		<-release
	}
	cl := testClient(t)
	spec := brokerSpec{name: "leaving", addr: "10.0.4.1:10911", topics: map[string]int32{"gone": 2}}
	regDone := make(chan int32, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := cl.Invoke(ctx, s.Addr(), compressedRegisterRequest(spec))
		if err != nil {
			t.Errorf("register: %v", err)
			regDone <- -1
			return
		}
		regDone <- resp.Code
	}()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the registrar never took the compressed registration")
	}
	unreg := protocol.NewRequest(protocol.ReqUnregisterBroker)
	(&protocol.BrokerIdentity{BrokerName: spec.name, BrokerAddr: spec.addr, ClusterName: "DefaultCluster"}).Encode(unreg)
	unregDone := make(chan int32, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := cl.Invoke(ctx, s.Addr(), unreg)
		if err != nil {
			t.Errorf("unregister: %v", err)
			unregDone <- -1
			return
		}
		unregDone <- resp.Code
	}()
	waitFor(t, 5*time.Second, func() bool { return s.registrar.queued() == 1 })
	select {
	case code := <-unregDone:
		t.Fatalf("unregister answered (%d) before the pending registration was applied", code)
	default:
	}
	unblock()
	if code := <-regDone; code != 0 {
		t.Errorf("register answered %d", code)
	}
	if code := <-unregDone; code != 0 {
		t.Errorf("unregister answered %d", code)
	}
	if resp := invoke(t, cl, s.Addr(), routeRequest("gone", 0)); resp.Code != int32(protocol.RespTopicNotExist) {
		t.Errorf("route of the unregistered broker's topic: code %d, want TOPIC_NOT_EXIST", resp.Code)
	}
}
