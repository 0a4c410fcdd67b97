package client

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// fakeBroker is an in-test broker on netpoll.Server that stores what it
// is sent and answers SEND_MESSAGE, SEND_BATCH_MESSAGE and HEART_BEAT. It
// stands in for the real broker in producer tests that need failures on
// one broker of two, which a single standalone broker cannot give.
type fakeBroker struct {
	name string
	srv  *netpoll.Server
	// failCode, when not 0, is the answer to every send.
	failCode atomic.Int32

	mu       sync.Mutex
	sends    []fakeSend
	oneways  int
	nextOffs map[int32]int64
}

// fakeSend is one stored send as the broker decoded it.
type fakeSend struct {
	code   protocol.RequestCode
	header protocol.SendMessageRequestHeader
	body   []byte
}

func startFakeBroker(t testing.TB, name string) *fakeBroker {
	t.Helper()
	b := &fakeBroker{name: name, nextOffs: map[int32]int64{}}
	srv, err := netpoll.NewServer(netpoll.Config{Addr: "127.0.0.1:0", NumEventLoops: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle(protocol.ReqSendMessage, b.send)
	srv.Handle(protocol.ReqSendBatchMessage, b.send)
	// Offsets for startOffset tests: no stored offset, max 100, and the
	// timestamp search answers 42.
	srv.Handle(protocol.ReqQueryConsumerOffset, func(c *netpoll.Conn, req *protocol.Command) {
		c.Reply(req, protocol.NewResponse(protocol.RespQueryNotFound, "none"))
	})
	offsetReply := func(off int64) netpoll.Handler {
		return func(c *netpoll.Conn, req *protocol.Command) {
			resp := protocol.NewResponse(protocol.RespSuccess, "")
			(&protocol.OffsetResponseHeader{Offset: off}).Encode(resp)
			c.Reply(req, resp)
		}
	}
	srv.Handle(protocol.ReqGetMaxOffset, offsetReply(100))
	srv.Handle(protocol.ReqSearchOffsetByTimestamp, offsetReply(42))
	srv.Handle(protocol.ReqHeartBeat, func(c *netpoll.Conn, req *protocol.Command) {
		c.Reply(req, protocol.NewResponse(protocol.RespSuccess, ""))
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	b.srv = srv
	return b
}

func (b *fakeBroker) addr() string { return b.srv.Addr() }

func (b *fakeBroker) send(c *netpoll.Conn, req *protocol.Command) {
	if code := b.failCode.Load(); code != 0 {
		c.Reply(req, protocol.NewResponse(protocol.ResponseCode(code), "injected"))
		return
	}
	var h protocol.SendMessageRequestHeader
	if err := h.Decode(req); err != nil {
		c.Reply(req, protocol.NewResponse(protocol.RespSystemError, err.Error()))
		return
	}
	clone := req.Clone()
	var hc protocol.SendMessageRequestHeader
	hc.Decode(clone)
	b.mu.Lock()
	b.sends = append(b.sends, fakeSend{code: protocol.RequestCode(req.Code), header: hc, body: clone.Body})
	off := b.nextOffs[h.QueueID]
	b.nextOffs[h.QueueID]++
	if req.IsOneway() {
		b.oneways++
	}
	b.mu.Unlock()
	resp := protocol.NewResponse(protocol.RespSuccess, "")
	(&protocol.SendMessageResponseHeader{MsgID: "0A000001000027110000000000000000", QueueID: h.QueueID, QueueOffset: off, MsgRegion: "DefaultRegion", TraceOn: true}).Encode(resp)
	c.Reply(req, resp)
}

func (b *fakeBroker) received() []fakeSend {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]fakeSend(nil), b.sends...)
}

// fakeNameServer answers GET_ROUTEINFO_BY_TOPIC with a route putting
// every broker in it, 4 queues each, for every topic.
func startFakeNameServer(t testing.TB, brokers ...*fakeBroker) *netpoll.Server {
	t.Helper()
	route := protocol.TopicRouteData{}
	for _, b := range brokers {
		route.QueueDatas = append(route.QueueDatas, protocol.QueueData{BrokerName: b.name, ReadQueueNums: 4, WriteQueueNums: 4, Perm: 6})
		route.BrokerDatas = append(route.BrokerDatas, protocol.BrokerData{Cluster: "c", BrokerName: b.name, Addrs: []protocol.BrokerAddr{{ID: 0, Addr: b.addr()}}})
	}
	body := protocol.AppendTopicRouteData(nil, &route, protocol.MapKeysQuoted)
	srv, err := netpoll.NewServer(netpoll.Config{Addr: "127.0.0.1:0", NumEventLoops: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle(protocol.ReqGetRouteInfoByTopic, func(c *netpoll.Conn, req *protocol.Command) {
		resp := protocol.NewResponse(protocol.RespSuccess, "")
		resp.Body = body
		c.Reply(req, resp)
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}
