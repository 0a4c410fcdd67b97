package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

func pullRequest(topic string, queueID int32, offset int64, sysFlag int32, suspendMs int64) *protocol.Command {
	req := protocol.NewRequest(protocol.ReqPullMessage)
	(&protocol.PullMessageRequestHeader{ConsumerGroup: "g", Topic: topic, QueueID: queueID, QueueOffset: offset, MaxMsgNums: 32,
		SysFlag: sysFlag, CommitOffset: 0, SuspendTimeoutMillis: suspendMs, ExpressionType: "TAG"}).Encode(req)
	return req
}

func pullReply(t *testing.T, resp *protocol.Command) protocol.PullMessageResponseHeader {
	t.Helper()
	var h protocol.PullMessageResponseHeader
	if err := h.Decode(resp); err != nil {
		t.Fatalf("pull reply code %d without its header: %v", resp.Code, err)
	}
	return h
}

// TestPullResponseCodes checks the pull answers of J4 getMessage: found,
// PULL_NOT_FOUND at the end, PULL_OFFSET_MOVED past it or below the
// minimum, PULL_RETRY_IMMEDIATELY when all is filtered, each with
// nextBeginOffset/minOffset/maxOffset.
func TestPullResponseCodes(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	addr := b.ListenAddr()
	for i := 0; i < 3; i++ {
		req := sendRequest("TopicP", []byte{'a' + byte(i)})
		req.SetExtField("properties", "TAGS\x01A\x02")
		if resp := invoke(t, addr, req); resp.Code != 0 {
			t.Fatalf("send: %d %s", resp.Code, resp.Remark)
		}
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicP") == 3 })
	check := func(name string, req *protocol.Command, code protocol.ResponseCode, next, maxOff int64, nmsgs int) {
		t.Helper()
		resp := invoke(t, addr, req)
		h := pullReply(t, resp)
		if resp.Code != int32(code) || h.NextBeginOffset != next || h.MaxOffset != maxOff {
			t.Fatalf("%s: code %d next %d max %d, want %d %d %d", name, resp.Code, h.NextBeginOffset, h.MaxOffset, code, next, maxOff)
		}
		n := 0
		for body := resp.Body; len(body) > 0; n++ {
			var m protocol.StoredMessage
			if err := protocol.DecodeStoredMessage(body, &m); err != nil {
				t.Fatalf("%s: body: %v", name, err)
			}
			body = body[m.TotalSize:]
		}
		if n != nmsgs {
			t.Fatalf("%s: %d messages in the body, want %d", name, n, nmsgs)
		}
	}
	check("found", pullRequest("TopicP", 0, 0, 0, 0), protocol.RespSuccess, 3, 3, 3)
	check("found from 1", pullRequest("TopicP", 0, 1, 0, 0), protocol.RespSuccess, 3, 3, 2)
	check("at end", pullRequest("TopicP", 0, 3, 0, 0), protocol.RespPullNotFound, 3, 3, 0)
	check("past end", pullRequest("TopicP", 0, 9, 0, 0), protocol.RespPullOffsetMoved, 3, 3, 0)
	check("empty queue", pullRequest("TopicP", 1, 0, 0, 0), protocol.RespPullNotFound, 0, 0, 0)
	check("empty queue past 0", pullRequest("TopicP", 1, 5, 0, 0), protocol.RespPullOffsetMoved, 0, 0, 0)
	filtered := pullRequest("TopicP", 0, 0, protocol.PullSysFlagSubscription, 0)
	filtered.SetExtField("subscription", "B || C")
	check("filtered", filtered, protocol.RespPullRetryImmediately, 3, 3, 0)
	matching := pullRequest("TopicP", 0, 0, protocol.PullSysFlagSubscription, 0)
	matching.SetExtField("subscription", "B || A")
	check("tag match", matching, protocol.RespSuccess, 3, 3, 3)
	bad := pullRequest("TopicP", 99, 0, 0, 0)
	if resp := invoke(t, addr, bad); resp.Code != int32(protocol.RespSystemError) {
		t.Fatalf("bad queue id: %d", resp.Code)
	}
	commit := pullRequest("TopicP", 0, 0, protocol.PullSysFlagCommitOffset, 0)
	commit.SetExtField("commitOffset", "2")
	invoke(t, addr, commit)
	if off := b.offsets.get("g", "TopicP", 0); off != 2 {
		t.Fatalf("commit-offset flag: stored %d, want 2", off)
	}
}

// TestLongPollWokenByArrival: a suspended pull is answered when a message
// arrives (long before its hold time), and with PULL_NOT_FOUND when its
// hold time passes without one.
func TestLongPollWokenByArrival(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	addr := b.ListenAddr()
	if resp := invoke(t, addr, sendRequest("TopicL", []byte("first"))); resp.Code != 0 {
		t.Fatal(resp.Remark)
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicL") == 1 })

	start := time.Now()
	resp := invoke(t, addr, pullRequest("TopicL", 0, 1, protocol.PullSysFlagSuspend, 300))
	if resp.Code != int32(protocol.RespPullNotFound) || time.Since(start) < 250*time.Millisecond {
		t.Fatalf("expired hold: code %d after %v", resp.Code, time.Since(start))
	}
	if h := pullReply(t, resp); h.NextBeginOffset != 1 {
		t.Fatalf("expired hold next %d", h.NextBeginOffset)
	}

	cl := netpollClient(t, make(chan string, 1))
	done := make(chan *protocol.Command, 1)
	go func() { done <- cl.invoke(t, addr, pullRequest("TopicL", 0, 1, protocol.PullSysFlagSuspend, 8000)) }()
	waitFor(t, 10*time.Second, "pull parked", func() bool { return b.holds.parked() == 1 })
	sent := time.Now()
	if resp := invoke(t, addr, sendRequest("TopicL", []byte("second"))); resp.Code != 0 {
		t.Fatal(resp.Remark)
	}
	select {
	case resp := <-done:
		var m protocol.StoredMessage
		if resp.Code != 0 || protocol.DecodeStoredMessage(resp.Body, &m) != nil || string(m.Body) != "second" {
			t.Fatalf("woken pull: code %d", resp.Code)
		}
		t.Logf("held pull answered %v after the send", time.Since(sent))
	case <-time.After(6 * time.Second):
		t.Fatal("held pull not woken by the arrival")
	}
}

// TestColdPullsServedOffLoop: with every pull counted as cold, pulls are
// answered by the cold-read goroutines, with the same results.
func TestColdPullsServedOffLoop(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.coldReadBytes = -1
	b := startBroker(t, cfg)
	addr := b.ListenAddr()
	for i := 0; i < 40; i++ {
		if resp := invoke(t, addr, sendRequest("TopicC", []byte{byte(i)})); resp.Code != 0 {
			t.Fatal(resp.Remark)
		}
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicC") == 40 })
	next := int64(0)
	for next < 40 {
		resp := invoke(t, addr, pullRequest("TopicC", 0, next, 0, 0))
		h := pullReply(t, resp)
		if resp.Code != 0 || h.NextBeginOffset <= next {
			t.Fatalf("cold pull at %d: code %d next %d", next, resp.Code, h.NextBeginOffset)
		}
		next = h.NextBeginOffset
	}
	if resp := invoke(t, addr, pullRequest("TopicC", 0, 40, 0, 0)); resp.Code != int32(protocol.RespPullNotFound) {
		t.Fatalf("pull at the end: %d", resp.Code)
	}
}

// TestQueryOffsetOfNewGroupOnColdQueue: a new group on a queue whose first
// message is out of memory gets QUERY_NOT_FOUND, so the client applies
// consumeFromWhere instead of replaying the whole backlog.
func TestQueryOffsetOfNewGroupOnColdQueue(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.coldReadBytes = -1
	b := startBroker(t, cfg)
	if resp := invoke(t, b.ListenAddr(), sendRequest("TopicQ", []byte("x"))); resp.Code != 0 {
		t.Fatal(resp.Remark)
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicQ") == 1 })
	req := protocol.NewRequest(protocol.ReqQueryConsumerOffset)
	(&protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: "new", Topic: "TopicQ", QueueID: 0}).Encode(req)
	if resp := invoke(t, b.ListenAddr(), req); resp.Code != int32(protocol.RespQueryNotFound) {
		t.Fatalf("code %d, want QUERY_NOT_FOUND", resp.Code)
	}
}

// TestSQL92Pull: an SQL92 subscription filters on message properties when
// enablePropertyFilter is on, is refused with a clear error when it is
// off, and a bad expression is SUBSCRIPTION_PARSE_FAILED.
func TestSQL92Pull(t *testing.T) {
	sqlPull := func(expr string) *protocol.Command {
		req := pullRequest("TopicSQL", 0, 0, protocol.PullSysFlagSubscription, 0)
		req.SetExtField("subscription", expr)
		req.SetExtField("expressionType", "SQL92")
		return req
	}
	for _, enabled := range []bool{false, true} {
		cfg := testConfig(t.TempDir())
		cfg.EnablePropertyFilter = enabled
		b := startBroker(t, cfg)
		for i := 0; i < 10; i++ {
			req := sendRequest("TopicSQL", []byte{byte('0' + i)})
			req.SetExtField("properties", "a\x01"+string(rune('0'+i))+"\x02TAGS\x01T\x02")
			if resp := invoke(t, b.ListenAddr(), req); resp.Code != 0 {
				t.Fatal(resp.Remark)
			}
		}
		waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicSQL") == 10 })
		resp := invoke(t, b.ListenAddr(), sqlPull("a BETWEEN 3 AND 5 OR a = 9"))
		if !enabled {
			if resp.Code != int32(protocol.RespSystemError) || !strings.Contains(resp.Remark, "SQL92") {
				t.Fatalf("disabled: %d %q", resp.Code, resp.Remark)
			}
			continue
		}
		var bodies []string
		for body := resp.Body; len(body) > 0; {
			var m protocol.StoredMessage
			if err := protocol.DecodeStoredMessage(body, &m); err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, string(m.Body))
			body = body[m.TotalSize:]
		}
		if resp.Code != 0 || strings.Join(bodies, "") != "3459" {
			t.Fatalf("SQL92 pull: code %d bodies %q", resp.Code, bodies)
		}
		if resp := invoke(t, b.ListenAddr(), sqlPull("a >")); resp.Code != int32(protocol.RespSubscriptionParseFailed) {
			t.Fatalf("bad expression: %d %q", resp.Code, resp.Remark)
		}
	}
}
