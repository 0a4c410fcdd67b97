package broker

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// invoke sends one request with the project's client and returns the reply.
func invoke(t testing.TB, addr string, req *protocol.Command) *protocol.Command {
	t.Helper()
	cl := netpoll.NewClient(netpoll.ClientConfig{})
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cl.Invoke(ctx, addr, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// expectClosed writes raw bytes and expects the broker to close the
// connection.
func expectClosed(t *testing.T, addr string, data []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(data)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("connection not closed after bad frame: %v", err)
	}
}

// TestBadInputGetsErrorsAndClientKeepsWorking: garbage and oversized
// frames close their connection, bad sends and pulls get clear error codes,
// and the official client is served throughout.
func TestBadInputGetsErrorsAndClientKeepsWorking(t *testing.T) {
	ns := startNamesrv(t)
	cfg := testConfig(t.TempDir(), ns)
	cfg.MaxMessageSize = 64 << 10
	b := startBroker(t, cfg)
	runClient(t, "sendOne", ns, b.ListenAddr(), "tag=before")

	t.Run("garbage frame", func(t *testing.T) {
		expectClosed(t, b.ListenAddr(), []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	})
	t.Run("oversized frame", func(t *testing.T) {
		var hdr [8]byte
		binary.BigEndian.PutUint32(hdr[:], 1<<30)
		expectClosed(t, b.ListenAddr(), hdr[:])
	})
	t.Run("header length past frame", func(t *testing.T) {
		var f [12]byte
		binary.BigEndian.PutUint32(f[:], 8)
		binary.BigEndian.PutUint32(f[4:], 1000)
		expectClosed(t, b.ListenAddr(), f[:])
	})
	t.Run("body over maxMessageSize", func(t *testing.T) {
		runClient(t, "sendOversized", ns, b.ListenAddr())
		// The Go client checks its own 4 MiB limit only; the broker's
		// answer is MESSAGE_ILLEGAL.
		req := sendRequest("TopicOK", make([]byte, 65<<10+1))
		if resp := invoke(t, b.ListenAddr(), req); resp.Code != int32(protocol.RespMessageIllegal) || !strings.Contains(resp.Remark, "maxMessageSize") {
			t.Fatalf("oversized body: code %d %q", resp.Code, resp.Remark)
		}
	})
	t.Run("illegal topic", func(t *testing.T) {
		resp := invoke(t, b.ListenAddr(), sendRequest("bad topic!", []byte("x")))
		if resp.Code != int32(protocol.RespSystemError) || !strings.Contains(resp.Remark, "topic") {
			t.Fatalf("illegal topic: code %d %q", resp.Code, resp.Remark)
		}
		resp = invoke(t, b.ListenAddr(), sendRequest(strings.Repeat("t", 200), []byte("x")))
		if resp.Code != int32(protocol.RespMessageIllegal) {
			t.Fatalf("long topic: code %d %q", resp.Code, resp.Remark)
		}
		resp = invoke(t, b.ListenAddr(), sendRequest(TopicSchedule, []byte("x")))
		if resp.Code != int32(protocol.RespNoPermission) {
			t.Fatalf("system topic: code %d %q", resp.Code, resp.Remark)
		}
	})
	t.Run("missing header field", func(t *testing.T) {
		req := protocol.NewRequest(protocol.ReqSendMessage)
		req.AddExtField("topic", "TopicOK")
		if resp := invoke(t, b.ListenAddr(), req); resp.Code != int32(protocol.RespSystemError) || resp.Remark == "" {
			t.Fatalf("missing fields: code %d %q", resp.Code, resp.Remark)
		}
	})
	t.Run("bad batch body", func(t *testing.T) {
		req := protocol.NewRequest(protocol.ReqSendBatchMessage)
		(&protocol.SendMessageRequestHeader{ProducerGroup: "pg", Topic: "TopicOK", DefaultTopic: TopicAutoCreate,
			DefaultTopicQueueNums: 4, BornTimestamp: time.Now().UnixMilli(), Batch: true}).EncodeV2(req)
		req.Body = []byte{0, 0, 0, 99, 1, 2, 3}
		if resp := invoke(t, b.ListenAddr(), req); resp.Code != int32(protocol.RespMessageIllegal) {
			t.Fatalf("bad batch: code %d %q", resp.Code, resp.Remark)
		}
	})
	t.Run("pull unknown topic", func(t *testing.T) {
		req := protocol.NewRequest(protocol.ReqPullMessage)
		(&protocol.PullMessageRequestHeader{ConsumerGroup: "g", Topic: "NoSuchTopic", MaxMsgNums: 32, SysFlag: 2,
			SuspendTimeoutMillis: 1000}).Encode(req)
		if resp := invoke(t, b.ListenAddr(), req); resp.Code != int32(protocol.RespTopicNotExist) {
			t.Fatalf("pull unknown topic: code %d %q", resp.Code, resp.Remark)
		}
	})
	t.Run("unknown request code", func(t *testing.T) {
		if resp := invoke(t, b.ListenAddr(), protocol.NewRequest(9999)); resp.Code != int32(protocol.RespRequestCodeNotSupported) {
			t.Fatalf("unknown code: %d %q", resp.Code, resp.Remark)
		}
	})
	runClient(t, "sendOne", ns, b.ListenAddr(), "tag=after")
}

// sendRequest builds a SEND_MESSAGE request as the Go client does.
func sendRequest(topic string, body []byte) *protocol.Command {
	req := protocol.NewRequest(protocol.ReqSendMessage)
	(&protocol.SendMessageRequestHeader{ProducerGroup: "pg", Topic: topic, DefaultTopic: TopicAutoCreate,
		DefaultTopicQueueNums: 4, QueueID: 0, BornTimestamp: time.Now().UnixMilli()}).Encode(req)
	req.Body = body
	return req
}
