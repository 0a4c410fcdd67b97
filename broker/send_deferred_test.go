package broker

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// Under async flush a send's success reply means its record is written: the
// commit log can read it at the offset of the reply's msgId the moment the
// reply arrives, with pipelined sends on several connections sharing event
// loops and their batch writes.
func TestSendReplyImpliesRecordWrittenAsync(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	if !b.deferWrites {
		t.Fatal("async flush broker does not defer commit-log writes")
	}
	cl := netpollClient(t, nil)
	// The first send creates the topic (answered after registration).
	if resp := cl.invoke(t, b.srv.Addr(), sendRequest("TopicDeferred", []byte("first"))); resp.Code != int32(protocol.RespSuccess) {
		t.Fatalf("first send: code %d %s", resp.Code, resp.Remark)
	}
	const conns, perConn = 4, 200
	var wg sync.WaitGroup
	errs := make(chan string, conns*perConn)
	for range conns {
		wg.Go(func() {
			c := netpoll.NewClient(netpoll.ClientConfig{Logger: testLogger()})
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var inner sync.WaitGroup
			for i := range perConn {
				req := sendRequest("TopicDeferred", []byte("body-"+itoa(int64(i))))
				inner.Add(1)
				err := c.InvokeAsync(ctx, b.srv.Addr(), req, 20*time.Second, func(resp *protocol.Command, err error) {
					defer inner.Done()
					errs <- checkSendWritten(b, resp, err)
				})
				if err != nil {
					inner.Done()
					errs <- err.Error()
				}
			}
			inner.Wait()
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
}

// checkSendWritten reads, from the callback of the reply, the record its
// msgId names; "" when it is there.
func checkSendWritten(b *Broker, resp *protocol.Command, err error) string {
	if err != nil {
		return err.Error()
	}
	if resp.Code != int32(protocol.RespSuccess) {
		return "send failed: " + resp.Remark
	}
	var h protocol.SendMessageResponseHeader
	if err := h.Decode(resp); err != nil {
		return err.Error()
	}
	_, phy, err := protocol.DecodeOffsetMsgID([]byte(h.MsgID), nil)
	if err != nil {
		return err.Error()
	}
	v, err := b.clog.Read(phy)
	if err != nil {
		return "record of a successful send not readable: " + err.Error()
	}
	defer v.Release()
	var m protocol.StoredMessage
	if err := protocol.DecodeStoredMessage(v.Bytes(), &m); err != nil || m.QueueOffset != h.QueueOffset {
		return "record at the reply's offset differs"
	}
	return ""
}
