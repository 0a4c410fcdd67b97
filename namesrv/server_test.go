package namesrv

import (
	"context"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// fakeClock is the liveness clock the tests drive.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testServer starts a NameServer on 127.0.0.1:0 with a fake clock.
func testServer(t testing.TB, cfg Config) (*Server, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: t0}
	cfg.Addr = "127.0.0.1:0"
	cfg.NumEventLoops = 1
	cfg.now = clock.Now
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

func testClient(t testing.TB) *netpoll.Client {
	t.Helper()
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { cl.Close() })
	return cl
}

func invoke(t testing.TB, cl *netpoll.Client, addr string, req *protocol.Command) *protocol.Command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cl.Invoke(ctx, addr, req)
	if err != nil {
		t.Fatalf("invoke %v: %v", protocol.RequestCode(req.Code), err)
	}
	return resp
}

// brokerSpec describes one broker registration.
type brokerSpec struct {
	cluster, name, addr string
	id                  int64
	counter             int64
	topics              map[string]int32 // topic -> queues
}

func registerRequest(b brokerSpec) *protocol.Command {
	body := protocol.RegisterBrokerBody{FilterServerList: []string{}}
	body.TopicConfigSerializeWrapper.DataVersion = protocol.DataVersion{Timestamp: 1, Counter: b.counter}
	body.TopicConfigSerializeWrapper.TopicConfigTable = map[string]protocol.TopicConfig{}
	for topic, n := range b.topics {
		body.TopicConfigSerializeWrapper.TopicConfigTable[topic] = protocol.TopicConfig{
			TopicName: topic, ReadQueueNums: n, WriteQueueNums: n, Perm: 6}
	}
	req := protocol.NewRequest(protocol.ReqRegisterBroker)
	req.Body = protocol.AppendRegisterBrokerBody(nil, &body)
	cluster := b.cluster
	if cluster == "" {
		cluster = "DefaultCluster"
	}
	(&protocol.RegisterBrokerRequestHeader{
		BrokerIdentity: protocol.BrokerIdentity{BrokerName: b.name, BrokerAddr: b.addr, ClusterName: cluster, BrokerID: b.id},
		HAServerAddr:   b.addr + "-ha",
		BodyCRC32:      int32(crc32.ChecksumIEEE(req.Body) & 0x7FFFFFFF),
	}).Encode(req)
	return req
}

func register(t testing.TB, cl *netpoll.Client, nsAddr string, b brokerSpec) *protocol.Command {
	t.Helper()
	resp := invoke(t, cl, nsAddr, registerRequest(b))
	if resp.Code != int32(protocol.RespSuccess) {
		t.Fatalf("register %s: code %d %s", b.addr, resp.Code, resp.Remark)
	}
	return resp
}

func routeRequest(topic string, version int32) *protocol.Command {
	req := protocol.NewRequest(protocol.ReqGetRouteInfoByTopic)
	req.Version = version
	(&protocol.GetRouteInfoRequestHeader{Topic: topic}).Encode(req)
	return req
}

func TestServerServesRegisteredRouteInJavasEncoding(t *testing.T) {
	s, _ := testServer(t, Config{})
	cl := testClient(t)
	register(t, cl, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"orders": 4}})
	f := func(version int32, want string) {
		t.Helper()
		resp := invoke(t, cl, s.Addr(), routeRequest("orders", version))
		if resp.Code != int32(protocol.RespSuccess) || string(resp.Body) != want {
			t.Errorf("version %d: code %d body %s\nwant %s", version, resp.Code, resp.Body, want)
		}
	}
	// Go v2.1.2 stamps 317: bare keys, as the Java NameServer sends it.
	f(protocol.VersionV4_5_2, `{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`)
	f(protocol.VersionV4_9_8, `{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`)
}

func TestServerUnknownTopicIsTopicNotExist(t *testing.T) {
	s, _ := testServer(t, Config{})
	resp := invoke(t, testClient(t), s.Addr(), routeRequest("nope", protocol.VersionV4_5_2))
	if resp.Code != int32(protocol.RespTopicNotExist) || len(resp.Body) != 0 {
		t.Fatalf("code %d body %q", resp.Code, resp.Body)
	}
}

func TestServerMissingTopicHeaderIsSystemError(t *testing.T) {
	s, _ := testServer(t, Config{})
	resp := invoke(t, testClient(t), s.Addr(), protocol.NewRequest(protocol.ReqGetRouteInfoByTopic))
	if resp.Code != int32(protocol.RespSystemError) || resp.Remark == "" {
		t.Fatalf("code %d remark %q", resp.Code, resp.Remark)
	}
}

func TestServerBrokerExpiresWithoutHeartbeat(t *testing.T) {
	s, clock := testServer(t, Config{})
	// Each broker has its own connection, as real brokers do: expiry
	// closes the silent broker's connection.
	ca, cb, cl := testClient(t), testClient(t), testClient(t)
	a := brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4}}
	b := brokerSpec{name: "broker-b", addr: "10.0.0.2:10911", counter: 1, topics: map[string]int32{"t": 2}}
	register(t, ca, s.Addr(), a)
	register(t, cb, s.Addr(), b)
	for range 4 { // broker-b heartbeats every 30 s, broker-a falls silent
		clock.Advance(30 * time.Second)
		register(t, cb, s.Addr(), b)
		if n := s.scanOnce(); n != 0 {
			t.Fatalf("removed %d brokers within the timeout", n)
		}
	}
	clock.Advance(time.Second) // broker-a last seen 121 s ago
	if n := s.scanOnce(); n != 1 {
		t.Fatalf("scan removed %d brokers, want 1", n)
	}
	resp := invoke(t, cl, s.Addr(), routeRequest("t", protocol.VersionV4_9_8))
	r, err := protocol.DecodeTopicRouteData(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.BrokerDatas) != 1 || r.BrokerDatas[0].BrokerName != "broker-b" || len(r.QueueDatas) != 1 {
		t.Errorf("route after expiry: %+v", r)
	}
}

func TestServerClosedConnectionRemovesBrokerAtOnce(t *testing.T) {
	s, _ := testServer(t, Config{})
	broker := netpoll.NewClient(netpoll.ClientConfig{Logger: slog.New(slog.DiscardHandler)})
	register(t, broker, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4}})
	cl := testClient(t)
	if resp := invoke(t, cl, s.Addr(), routeRequest("t", 0)); resp.Code != 0 {
		t.Fatalf("route before close: %d", resp.Code)
	}
	broker.Close()
	waitFor(t, 5*time.Second, func() bool {
		return invoke(t, cl, s.Addr(), routeRequest("t", 0)).Code == int32(protocol.RespTopicNotExist)
	})
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", within)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not a wait for an event
	}
}

func TestServerSlaveLearnsMasterAddresses(t *testing.T) {
	s, _ := testServer(t, Config{})
	cl := testClient(t)
	register(t, cl, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4}})
	resp := register(t, cl, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.2:10911", id: 1, counter: 1})
	var h protocol.RegisterBrokerResponseHeader
	if err := h.Decode(resp); err != nil {
		t.Fatal(err)
	}
	if h.MasterAddr != "10.0.0.1:10911" || h.HAServerAddr != "10.0.0.1:10911-ha" {
		t.Errorf("slave reply header %+v", h)
	}
}

func TestServerCompressedRegistrationAndCRC(t *testing.T) {
	s, _ := testServer(t, Config{})
	cl := testClient(t)
	body := protocol.RegisterBrokerBody{TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{
		DataVersion:      protocol.DataVersion{Timestamp: 9, Counter: 9},
		TopicConfigTable: map[string]protocol.TopicConfig{"z": {TopicName: "z", ReadQueueNums: 3, WriteQueueNums: 3, Perm: 6}},
	}}
	req := protocol.NewRequest(protocol.ReqRegisterBroker)
	req.Body = protocol.AppendRegisterBrokerBodyCompressed(nil, &body)
	h := protocol.RegisterBrokerRequestHeader{
		BrokerIdentity: protocol.BrokerIdentity{BrokerName: "b", BrokerAddr: "10.0.0.9:10911", ClusterName: "c"},
		HAServerAddr:   "10.0.0.9:10912", Compressed: true,
		BodyCRC32: int32(crc32.ChecksumIEEE(req.Body)&0x7FFFFFFF) ^ 1,
	}
	h.Encode(req)
	if resp := invoke(t, cl, s.Addr(), req); resp.Code != int32(protocol.RespSystemError) || resp.Remark != "crc32 not match" {
		t.Fatalf("bad CRC: code %d remark %q", resp.Code, resp.Remark)
	}
	req.SetExtFieldInt("bodyCrc32", int64(crc32.ChecksumIEEE(req.Body)&0x7FFFFFFF))
	if resp := invoke(t, cl, s.Addr(), req); resp.Code != 0 {
		t.Fatalf("compressed register: code %d %s", resp.Code, resp.Remark)
	}
	if r, ok := s.routes.route("z"); !ok || r.QueueDatas[0].WriteQueueNums != 3 {
		t.Errorf("route %+v %v", r, ok)
	}
}

func TestServerUnregisterAndQueryDataVersion(t *testing.T) {
	s, _ := testServer(t, Config{})
	cl := testClient(t)
	b := brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 7, topics: map[string]int32{"t": 4}}
	register(t, cl, s.Addr(), b)
	id := protocol.BrokerIdentity{BrokerName: b.name, BrokerAddr: b.addr, ClusterName: "DefaultCluster"}

	req := protocol.NewRequest(protocol.ReqQueryDataVersion)
	id.Encode(req)
	req.Body = protocol.AppendDataVersion(nil, protocol.DataVersion{Timestamp: 1, Counter: 8})
	resp := invoke(t, cl, s.Addr(), req)
	var qh protocol.QueryDataVersionResponseHeader
	if err := qh.Decode(resp); err != nil || !qh.Changed {
		t.Errorf("changed = %v (%v)", qh.Changed, err)
	}
	if v, err := protocol.DecodeDataVersion(resp.Body); err != nil || v.Counter != 7 {
		t.Errorf("stored version %+v %v", v, err)
	}

	req = protocol.NewRequest(protocol.ReqUnregisterBroker)
	id.Encode(req)
	if resp := invoke(t, cl, s.Addr(), req); resp.Code != 0 {
		t.Fatalf("unregister: %d", resp.Code)
	}
	if resp := invoke(t, cl, s.Addr(), routeRequest("t", 0)); resp.Code != int32(protocol.RespTopicNotExist) {
		t.Errorf("route after unregister: %d", resp.Code)
	}
}

func TestServerClusterInfoTopicListsAndDelete(t *testing.T) {
	s, _ := testServer(t, Config{})
	cl := testClient(t)
	register(t, cl, s.Addr(), brokerSpec{cluster: "c1", name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4, "u": 1}})
	register(t, cl, s.Addr(), brokerSpec{cluster: "c2", name: "broker-b", addr: "10.0.0.2:10911", counter: 1, topics: map[string]int32{"v": 1}})

	resp := invoke(t, cl, s.Addr(), protocol.NewRequest(protocol.ReqGetBrokerClusterInfo))
	ci, err := protocol.DecodeClusterInfo(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ci.ClusterAddrTable, map[string][]string{"c1": {"broker-a"}, "c2": {"broker-b"}}) {
		t.Errorf("clusters %+v", ci.ClusterAddrTable)
	}
	if a, _ := ci.BrokerAddrTable["broker-b"].Addr(0); a != "10.0.0.2:10911" {
		t.Errorf("broker-b master %q", a)
	}

	topics := func(req *protocol.Command) []string {
		t.Helper()
		l, err := protocol.DecodeTopicList(invoke(t, cl, s.Addr(), req).Body)
		if err != nil {
			t.Fatal(err)
		}
		return l.Topics
	}
	if got := topics(protocol.NewRequest(protocol.ReqGetAllTopicListFromNameServer)); !reflect.DeepEqual(got, []string{"t", "u", "v"}) {
		t.Errorf("all topics %v", got)
	}
	byCluster := protocol.NewRequest(protocol.ReqGetTopicsByCluster)
	(&protocol.GetTopicsByClusterRequestHeader{Cluster: "c2"}).Encode(byCluster)
	if got := topics(byCluster); !reflect.DeepEqual(got, []string{"v"}) {
		t.Errorf("c2 topics %v", got)
	}
	del := protocol.NewRequest(protocol.ReqDeleteTopicInNamesrv)
	(&protocol.DeleteTopicFromNamesrvRequestHeader{Topic: "u"}).Encode(del)
	if resp := invoke(t, cl, s.Addr(), del); resp.Code != 0 {
		t.Fatalf("delete: %d", resp.Code)
	}
	if got := topics(protocol.NewRequest(protocol.ReqGetAllTopicListFromNameServer)); !reflect.DeepEqual(got, []string{"t", "v"}) {
		t.Errorf("topics after delete %v", got)
	}
	wipe := protocol.NewRequest(protocol.ReqWipeWritePermOfBroker)
	(&protocol.WritePermRequestHeader{BrokerName: "broker-a"}).Encode(wipe)
	if v, _ := invoke(t, cl, s.Addr(), wipe).ExtField("wipeTopicCount"); v != "1" {
		t.Errorf("wipeTopicCount %q", v)
	}
}

func TestServerKVConfigPersistedAndOrderTopicConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kvConfig.json")
	s, _ := testServer(t, Config{KVConfigPath: path, OrderMessageEnable: true})
	cl := testClient(t)
	kv := func(code protocol.RequestCode, h protocol.KVConfigHeader) *protocol.Command {
		req := protocol.NewRequest(code)
		h.Encode(req)
		return invoke(t, cl, s.Addr(), req)
	}
	if resp := kv(protocol.ReqPutKVConfig, protocol.KVConfigHeader{Namespace: protocol.NamespaceOrderTopicConfig, Key: "orders", Value: "broker-a:4"}); resp.Code != 0 {
		t.Fatalf("put: %d %s", resp.Code, resp.Remark)
	}
	// The reply came after the write: the file holds the value now.
	if b, err := os.ReadFile(path); err != nil || string(b) != `{"configTable":{"ORDER_TOPIC_CONFIG":{"orders":"broker-a:4"}}}` {
		t.Fatalf("kvConfig.json %s %v", b, err)
	}
	resp := kv(protocol.ReqGetKVConfig, protocol.KVConfigHeader{Namespace: protocol.NamespaceOrderTopicConfig, Key: "orders"})
	if v, _ := resp.ExtField("value"); resp.Code != 0 || v != "broker-a:4" {
		t.Errorf("get: %d %q", resp.Code, v)
	}
	if resp := kv(protocol.ReqGetKVConfig, protocol.KVConfigHeader{Namespace: "x", Key: "y"}); resp.Code != int32(protocol.RespQueryNotFound) {
		t.Errorf("get missing: %d", resp.Code)
	}
	// A registration's reply carries the ORDER_TOPIC_CONFIG table, and the
	// route carries the topic's order configuration.
	reg := register(t, cl, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"orders": 4}})
	if table, err := protocol.DecodeKVTable(reg.Body); err != nil || table["orders"] != "broker-a:4" {
		t.Errorf("register reply body %s %v", reg.Body, err)
	}
	route, err := protocol.DecodeTopicRouteData(invoke(t, cl, s.Addr(), routeRequest("orders", 0)).Body)
	if err != nil || route.OrderTopicConf != "broker-a:4" {
		t.Errorf("orderTopicConf %q %v", route.OrderTopicConf, err)
	}
	if resp := kv(protocol.ReqDeleteKVConfig, protocol.KVConfigHeader{Namespace: protocol.NamespaceOrderTopicConfig, Key: "orders"}); resp.Code != 0 {
		t.Fatalf("delete: %d", resp.Code)
	}
	list := protocol.NewRequest(protocol.ReqGetKVListByNamespace)
	(&protocol.KVConfigHeader{Namespace: protocol.NamespaceOrderTopicConfig}).Encode(list)
	if resp := invoke(t, cl, s.Addr(), list); resp.Code != 0 || string(resp.Body) != `{"table":{}}` {
		t.Errorf("kv list after delete: %d %s", resp.Code, resp.Body)
	}
}

func TestServerCloseTwiceAndStartAfterClose(t *testing.T) {
	s, _ := testServer(t, Config{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != ErrClosed {
		t.Fatalf("Start after Close: %v", err)
	}
}

func TestServerAttachesToAnotherNetpollServer(t *testing.T) {
	ns, err := netpoll.NewServer(netpoll.Config{Addr: "127.0.0.1:0", NumEventLoops: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s.Register(ns)
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Addr() != ns.Addr() {
		t.Errorf("Addr %q, want the shared server's %q", s.Addr(), ns.Addr())
	}
	cl := testClient(t)
	register(t, cl, ns.Addr(), brokerSpec{name: "b", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 1}})
	if resp := invoke(t, cl, ns.Addr(), routeRequest("t", 0)); resp.Code != 0 {
		t.Errorf("route on the shared server: %d", resp.Code)
	}
}

// TestServerScannerRemovesExpiredBroker checks the scanner goroutine itself:
// with a short scan interval and the clock moved past the timeout, the
// broker disappears without anyone calling scanOnce.
func TestServerScannerRemovesExpiredBroker(t *testing.T) {
	s, clock := testServer(t, Config{ScanInterval: 10 * time.Millisecond})
	broker, cl := testClient(t), testClient(t)
	register(t, broker, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4}})
	clock.Advance(DefaultBrokerTimeout + time.Millisecond)
	waitFor(t, 5*time.Second, func() bool {
		return invoke(t, cl, s.Addr(), routeRequest("t", 0)).Code == int32(protocol.RespTopicNotExist)
	})
}

func TestServerQueryDataVersionWithoutBodyIsChanged(t *testing.T) {
	s, _ := testServer(t, Config{})
	cl := testClient(t)
	register(t, cl, s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4}})
	req := protocol.NewRequest(protocol.ReqQueryDataVersion)
	(&protocol.BrokerIdentity{BrokerName: "broker-a", BrokerAddr: "10.0.0.1:10911", ClusterName: "DefaultCluster"}).Encode(req)
	resp := invoke(t, cl, s.Addr(), req)
	var h protocol.QueryDataVersionResponseHeader
	if err := h.Decode(resp); err != nil || resp.Code != 0 || !h.Changed {
		t.Errorf("code %d changed %v (%v)", resp.Code, h.Changed, err)
	}
}

func TestServerGetNamesrvConfig(t *testing.T) {
	s, _ := testServer(t, Config{Properties: "listenPort=9876\nkvConfigPath=/x\n"})
	resp := invoke(t, testClient(t), s.Addr(), protocol.NewRequest(protocol.ReqGetNamesrvConfig))
	if resp.Code != 0 || string(resp.Body) != "listenPort=9876\nkvConfigPath=/x\n" {
		t.Errorf("code %d body %q", resp.Code, resp.Body)
	}
	plain, _ := testServer(t, Config{})
	if resp := invoke(t, testClient(t), plain.Addr(), protocol.NewRequest(protocol.ReqGetNamesrvConfig)); resp.Code != int32(protocol.RespRequestCodeNotSupported) {
		t.Errorf("without Properties: code %d", resp.Code)
	}
}

func TestServerRouteAndClusterInfoInProcess(t *testing.T) {
	s, _ := testServer(t, Config{})
	register(t, testClient(t), s.Addr(), brokerSpec{name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"t": 4}})
	r, ok := s.Route("t")
	if !ok || len(r.QueueDatas) != 1 || r.QueueDatas[0].WriteQueueNums != 4 {
		t.Errorf("Route: %+v %v", r, ok)
	}
	if _, ok := s.Route("nope"); ok {
		t.Error("Route of an unknown topic")
	}
	if ci := s.ClusterInfo(); !reflect.DeepEqual(ci.ClusterAddrTable, map[string][]string{"DefaultCluster": {"broker-a"}}) {
		t.Errorf("ClusterInfo %+v", ci.ClusterAddrTable)
	}
}
