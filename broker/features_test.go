package broker

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// TestOffsetRequests covers QUERY/UPDATE_CONSUMER_OFFSET, GET_MAX/MIN_OFFSET,
// SEARCH_OFFSET_BY_TIMESTAMP and GET_EARLIEST_MSG_STORETIME, and that
// consumerOffset.json is written atomically and read back by a new broker.
func TestOffsetRequests(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.FlushConsumerOffsetInterval = 20 * time.Millisecond
	b := startBroker(t, cfg)
	addr := b.ListenAddr()
	before := time.Now().UnixMilli()
	for i := 0; i < 5; i++ {
		req := sendRequest("TopicO", []byte("x"))
		if resp := invoke(t, addr, req); resp.Code != 0 {
			t.Fatalf("send: %d %s", resp.Code, resp.Remark)
		}
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicO") == 5 })
	offset := func(code protocol.RequestCode, fill func(*protocol.Command)) (int32, int64) {
		req := protocol.NewRequest(code)
		fill(req)
		resp := invoke(t, addr, req)
		var h protocol.OffsetResponseHeader
		if resp.Code == 0 {
			if err := h.Decode(resp); err != nil {
				t.Fatalf("%v reply: %v", code, err)
			}
		}
		return resp.Code, h.Offset
	}
	queue := func(r *protocol.Command) { (&protocol.QueueRequestHeader{Topic: "TopicO", QueueID: 0}).Encode(r) }
	if code, off := offset(protocol.ReqGetMaxOffset, queue); code != 0 || off != 5 {
		t.Fatalf("max offset %d %d, want 5", code, off)
	}
	if code, off := offset(protocol.ReqGetMinOffset, queue); code != 0 || off != 0 {
		t.Fatalf("min offset %d %d, want 0", code, off)
	}
	search := func(r *protocol.Command) {
		(&protocol.SearchOffsetRequestHeader{Topic: "TopicO", QueueID: 0, Timestamp: before - 1000}).Encode(r)
	}
	if code, off := offset(protocol.ReqSearchOffsetByTimestamp, search); code != 0 || off != 0 {
		t.Fatalf("search offset %d %d, want 0", code, off)
	}
	q := func(r *protocol.Command) {
		(&protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: "g", Topic: "TopicO", QueueID: 0}).Encode(r)
	}
	if code, off := offset(protocol.ReqQueryConsumerOffset, q); code != 0 || off != 0 {
		t.Fatalf("new group offset %d %d, want 0 (queue starts at 0)", code, off)
	}
	up := protocol.NewRequest(protocol.ReqUpdateConsumerOffset)
	(&protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: "g", Topic: "TopicO", QueueID: 0, CommitOffset: 3}).Encode(up)
	if resp := invoke(t, addr, up); resp.Code != 0 {
		t.Fatalf("update offset: %d %s", resp.Code, resp.Remark)
	}
	if code, off := offset(protocol.ReqQueryConsumerOffset, q); code != 0 || off != 3 {
		t.Fatalf("committed offset %d %d, want 3", code, off)
	}
	er := protocol.NewRequest(protocol.ReqGetEarliestMsgStoretime)
	queue(er)
	resp := invoke(t, addr, er)
	var eh protocol.GetEarliestMsgStoretimeResponseHeader
	if resp.Code != 0 || eh.Decode(resp) != nil || eh.Timestamp < before-5 || eh.Timestamp > time.Now().UnixMilli() {
		t.Fatalf("earliest store time: %d %q %d", resp.Code, resp.Remark, eh.Timestamp)
	}
	path := filepath.Join(dir, "config", "consumerOffset.json")
	waitFor(t, 10*time.Second, "consumerOffset.json", func() bool {
		data, _ := os.ReadFile(path)
		return strings.Contains(string(data), `"TopicO@g"`)
	})
	b.Close()
	b2 := startBroker(t, testConfig(dir))
	if off := b2.offsets.get("g", "TopicO", 0); off != 3 {
		t.Fatalf("offset after reopen %d, want 3", off)
	}
	if _, ok := b2.topics.get("TopicO"); !ok {
		t.Fatal("auto-created topic lost across restart (topics.json)")
	}
}

// TestOffsetFileJavaFormat reads consumerOffset.json as a Java broker writes
// it (fastjson, unquoted integer keys).
func TestOffsetFileJavaFormat(t *testing.T) {
	tab := newOffsetTable()
	if err := tab.load([]byte(`{"offsetTable":{"%RETRY%cg@cg":{0:0},"T@cg":{0:12,1:7}}}`)); err != nil {
		t.Fatal(err)
	}
	if tab.get("cg", "T", 1) != 7 || tab.get("cg", "%RETRY%cg", 0) != 0 || tab.get("cg", "T", 2) != -1 {
		t.Fatalf("loaded %v", tab.table)
	}
}

// TestConsumerGroupMembership: heartbeats register clients with their exact
// ids; a closed connection removes them and the remaining members get
// NOTIFY_CONSUMER_IDS_CHANGED.
func TestConsumerGroupMembership(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	notified := make(chan string, 16)
	cl1 := netpollClient(t, notified)
	cl2 := netpollClient(t, notified)
	hb := func(cl *clientConn, id string) {
		req := protocol.NewRequest(protocol.ReqHeartBeat)
		req.Body = protocol.AppendHeartbeatData(nil, &protocol.HeartbeatData{ClientID: id, ConsumerDataSet: []protocol.ConsumerData{{
			GroupName: "cg-m", ConsumeType: protocol.ConsumePassively, MessageModel: protocol.MessageModelClustering,
			SubscriptionDataSet: []protocol.SubscriptionData{{Topic: "T", SubString: "*", SubVersion: 1}}}}})
		if resp := cl.invoke(t, b.ListenAddr(), req); resp.Code != 0 {
			t.Fatalf("heartbeat: %d %s", resp.Code, resp.Remark)
		}
	}
	hb(cl1, "10.0.0.1@111#weird id")
	hb(cl2, "10.0.0.2@222")
	select {
	case g := <-notified:
		if g != "cg-m" {
			t.Fatalf("notified group %q", g)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("first member not told about the second")
	}
	list := protocol.NewRequest(protocol.ReqGetConsumerListByGroup)
	(&protocol.GetConsumerListByGroupRequestHeader{ConsumerGroup: "cg-m"}).Encode(list)
	resp := cl2.invoke(t, b.ListenAddr(), list)
	body, err := protocol.DecodeConsumerListBody(resp.Body)
	if resp.Code != 0 || err != nil || strings.Join(body.ConsumerIDList, ",") != "10.0.0.1@111#weird id,10.0.0.2@222" {
		t.Fatalf("consumer list: %d %v %v", resp.Code, body.ConsumerIDList, err)
	}
	if _, ok := b.topics.get("%RETRY%cg-m"); !ok {
		t.Fatal("retry topic not created by the heartbeat")
	}
	drain(notified)
	cl1.close()
	waitFor(t, 10*time.Second, "member removed on close", func() bool { return len(b.clients.ids("cg-m")) == 1 })
	select {
	case <-notified:
	case <-time.After(10 * time.Second):
		t.Fatal("remaining member not notified when the other's connection closed")
	}
}

func drain(ch chan string) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// TestLockBatch: a queue locked by one client is refused to another until
// it is unlocked.
func TestLockBatch(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	mqs := []protocol.MessageQueue{{Topic: "T", BrokerName: "broker-t", QueueID: 0}, {Topic: "T", BrokerName: "broker-t", QueueID: 1}}
	lock := func(code protocol.RequestCode, client string, mq []protocol.MessageQueue) []protocol.MessageQueue {
		req := protocol.NewRequest(code)
		req.Body = protocol.AppendLockBatchRequestBody(nil, &protocol.LockBatchRequestBody{ConsumerGroup: "g", ClientID: client, MQSet: mq})
		resp := invoke(t, b.ListenAddr(), req)
		if resp.Code != 0 {
			t.Fatalf("%v: %d %s", code, resp.Code, resp.Remark)
		}
		if code == protocol.ReqUnlockBatchMQ {
			return nil
		}
		body, err := protocol.DecodeLockBatchResponseBody(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return body.LockOKMQSet
	}
	if got := lock(protocol.ReqLockBatchMQ, "c1", mqs[:1]); len(got) != 1 {
		t.Fatalf("c1 locked %v", got)
	}
	if got := lock(protocol.ReqLockBatchMQ, "c2", mqs); len(got) != 1 || got[0].QueueID != 1 {
		t.Fatalf("c2 locked %v, want only queue 1", got)
	}
	lock(protocol.ReqUnlockBatchMQ, "c1", mqs[:1])
	if got := lock(protocol.ReqLockBatchMQ, "c2", mqs); len(got) != 2 {
		t.Fatalf("c2 locked %v after unlock, want both", got)
	}
}

// TestRetryThroughDelayLevels: a message the consumer fails is sent back,
// delivered again from %RETRY%<group> after the delay level, with its
// original topic restored; past maxReconsumeTimes it lands in the DLQ. A
// producer's delay-level message is delivered after its delay.
func TestRetryThroughDelayLevels(t *testing.T) {
	ns := startNamesrv(t)
	cfg := testConfig(t.TempDir(), ns)
	cfg.MessageDelayLevel = "100ms 300ms 300ms 400ms 500ms 600ms"
	b := startBroker(t, cfg)
	runClient(t, "retry", ns, b.ListenAddr())
	waitFor(t, 30*time.Second, "message in the DLQ", func() bool { return storedCount(b, "%DLQ%cg-retry") == 1 })
	waitFor(t, 30*time.Second, "delayed message delivered", func() bool { return storedCount(b, "TopicDelay") == 1 })
	var q *index.ConsumeQueue
	for id := int32(0); q == nil || q.MaxOffset() == 0; id++ {
		q = b.store.Queue("TopicDelay", id)
	}
	e, err := q.Entry(0)
	if err != nil {
		t.Fatal(err)
	}
	v, err := b.clog.Read(e.PhyOffset)
	if err != nil {
		t.Fatal(err)
	}
	var m protocol.StoredMessage
	protocol.DecodeStoredMessage(v.Bytes(), &m)
	if d := m.StoreTimestamp - m.BornTimestamp; d < 250 {
		t.Errorf("level-2 (300ms) message stored %d ms after it was born", d)
	}
	if _, ok := protocol.PropertyValue(m.Properties, protocol.PropertyDelayTimeLevel); ok {
		t.Error("delivered message still carries DELAY")
	}
	v.Release()
	b.Close()
	data, err := os.ReadFile(filepath.Join(cfg.StorePathRootDir, "config", "delayOffset.json"))
	if err != nil || !strings.Contains(string(data), `"2": 1`) {
		t.Fatalf("delayOffset.json: %v %s", err, data)
	}
}

// TestAdminAndQuery covers UPDATE_AND_CREATE_TOPIC, GET_ALL_TOPIC_CONFIG,
// DELETE_TOPIC_IN_BROKER, GET_ALL_SUBSCRIPTIONGROUP_CONFIG, QUERY_MESSAGE
// and VIEW_MESSAGE_BY_ID.
func TestAdminAndQuery(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	addr := b.ListenAddr()
	create := protocol.NewRequest(protocol.ReqUpdateAndCreateTopic)
	(&protocol.CreateTopicRequestHeader{Topic: "AdminT", DefaultTopic: "TBW102", ReadQueueNums: 3, WriteQueueNums: 3, Perm: 6,
		TopicFilterType: protocol.TopicFilterSingleTag}).Encode(create)
	if resp := invoke(t, addr, create); resp.Code != 0 {
		t.Fatalf("create: %d %s", resp.Code, resp.Remark)
	}
	all := invoke(t, addr, protocol.NewRequest(protocol.ReqGetAllTopicConfig))
	w, err := protocol.DecodeTopicConfigSerializeWrapper(all.Body)
	if err != nil || w.TopicConfigTable["AdminT"].WriteQueueNums != 3 {
		t.Fatalf("all topics: %v %v", err, w.TopicConfigTable["AdminT"])
	}
	bad := protocol.NewRequest(protocol.ReqUpdateAndCreateTopic)
	(&protocol.CreateTopicRequestHeader{Topic: "bad/name", DefaultTopic: "TBW102", ReadQueueNums: 1, WriteQueueNums: 1, Perm: 6,
		TopicFilterType: protocol.TopicFilterSingleTag}).Encode(bad)
	if resp := invoke(t, addr, bad); resp.Code != int32(protocol.RespSystemError) {
		t.Fatalf("bad topic name accepted: %d", resp.Code)
	}

	req := sendRequest("AdminT", []byte("find me"))
	req.SetExtField("properties", "KEYS\x01order-1 order-2\x02UNIQ_KEY\x01ABC\x02")
	resp := invoke(t, addr, req)
	var sh protocol.SendMessageResponseHeader
	if resp.Code != 0 || sh.Decode(resp) != nil {
		t.Fatalf("send: %d %s", resp.Code, resp.Remark)
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "AdminT") == 1 })
	query := protocol.NewRequest(protocol.ReqQueryMessage)
	(&protocol.QueryMessageRequestHeader{Topic: "AdminT", Key: "order-2", MaxNum: 32, BeginTimestamp: 0,
		EndTimestamp: time.Now().Add(time.Minute).UnixMilli()}).Encode(query)
	resp = invoke(t, addr, query)
	var m protocol.StoredMessage
	if resp.Code != 0 || protocol.DecodeStoredMessage(resp.Body, &m) != nil || string(m.Body) != "find me" {
		t.Fatalf("query by key: %d %q", resp.Code, resp.Remark)
	}
	_, phy, err := protocol.DecodeOffsetMsgID([]byte(sh.MsgID), nil)
	if err != nil {
		t.Fatal(err)
	}
	view := protocol.NewRequest(protocol.ReqViewMessageByID)
	(&protocol.ViewMessageByIDRequestHeader{Offset: phy}).Encode(view)
	resp = invoke(t, addr, view)
	if resp.Code != 0 || protocol.DecodeStoredMessage(resp.Body, &m) != nil || string(m.Body) != "find me" || m.PhysicalOffset != phy {
		t.Fatalf("view by id: %d %q", resp.Code, resp.Remark)
	}
	if v, _ := protocol.PropertyValue(m.Properties, protocol.PropertyCluster); string(v) != DefaultClusterName {
		t.Errorf("stored CLUSTER property %q", v)
	}

	del := protocol.NewRequest(protocol.ReqDeleteTopicInBroker)
	(&protocol.DeleteTopicRequestHeader{Topic: "AdminT"}).Encode(del)
	if resp := invoke(t, addr, del); resp.Code != 0 {
		t.Fatalf("delete: %d %s", resp.Code, resp.Remark)
	}
	if _, ok := b.topics.get("AdminT"); ok {
		t.Fatal("topic still there after delete")
	}
	if resp := invoke(t, addr, protocol.NewRequest(protocol.ReqGetAllSubscriptionGroupConfig)); resp.Code != int32(protocol.RespSystemError) {
		t.Fatalf("empty group table: %d", resp.Code)
	}
	b.groups.ensure("g1")
	resp = invoke(t, addr, protocol.NewRequest(protocol.ReqGetAllSubscriptionGroupConfig))
	if resp.Code != 0 || !strings.Contains(string(resp.Body), `"g1"`) || !strings.Contains(string(resp.Body), `"retryMaxTimes": 16`) {
		t.Fatalf("groups: %d %s", resp.Code, resp.Body)
	}
}

func TestParseDelayLevels(t *testing.T) {
	got, err := ParseDelayLevels(DefaultMessageDelayLevel)
	if err != nil || len(got) != 18 || got[0] != time.Second || got[4] != time.Minute || got[17] != 2*time.Hour {
		t.Fatalf("default levels: %v %v", got, err)
	}
	if got, err := ParseDelayLevels("100ms 1d"); err != nil || got[0] != 100*time.Millisecond || got[1] != 24*time.Hour {
		t.Fatalf("ms/d: %v %v", got, err)
	}
	for _, bad := range []string{"", "5x", "s", "1.5s", "-1s", "10 20"} {
		if _, err := ParseDelayLevels(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestClientExpiry: a client that stops sending heartbeats leaves its group
// after the expiry, and the group's other members are told.
func TestClientExpiry(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.clientExpiry, cfg.clientScanInterval = time.Second, 20*time.Millisecond
	b := startBroker(t, cfg)
	notified := make(chan string, 16)
	cl := netpollClient(t, notified)
	hb := func(id string) {
		req := protocol.NewRequest(protocol.ReqHeartBeat)
		req.Body = protocol.AppendHeartbeatData(nil, &protocol.HeartbeatData{ClientID: id, ConsumerDataSet: []protocol.ConsumerData{{
			GroupName: "cg-e", SubscriptionDataSet: []protocol.SubscriptionData{{Topic: "T", SubString: "*"}}}}})
		if resp := cl.invoke(t, b.ListenAddr(), req); resp.Code != 0 {
			t.Fatalf("heartbeat: %d", resp.Code)
		}
	}
	hb("silent@1")
	hb("alive@2")
	drain(notified)
	deadline := time.Now().Add(10 * time.Second)
	for len(b.clients.ids("cg-e")) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("silent client never expired: %v", b.clients.ids("cg-e"))
		}
		hb("alive@2") // keeps only this one fresh
		time.Sleep(50 * time.Millisecond)
	}
	if ids := b.clients.ids("cg-e"); ids[0] != "alive@2" {
		t.Fatalf("left %v", ids)
	}
	select {
	case <-notified:
	case <-time.After(5 * time.Second):
		t.Fatal("remaining member not notified of the expiry")
	}
}

// TestRetryTopicSendPastMaxGoesToDLQ: a producer-side send to %RETRY%<group>
// whose reconsumeTimes reached the maximum is stored in %DLQ%<group>.
func TestRetryTopicSendPastMaxGoesToDLQ(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	req := sendRequest("%RETRY%cg-d", []byte("dead"))
	req.SetExtField("reconsumeTimes", "16")
	if resp := invoke(t, b.ListenAddr(), req); resp.Code != 0 {
		t.Fatalf("send: %d %s", resp.Code, resp.Remark)
	}
	req = sendRequest("%RETRY%cg-d", []byte("alive"))
	req.SetExtField("reconsumeTimes", "3")
	if resp := invoke(t, b.ListenAddr(), req); resp.Code != 0 {
		t.Fatalf("send: %d %s", resp.Code, resp.Remark)
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool {
		return storedCount(b, "%DLQ%cg-d") == 1 && storedCount(b, "%RETRY%cg-d") == 1
	})
}

// TestRetentionTrimsQueues: once commit-log retention deletes segments, the
// consume queues move their minimum up and a pull below it is answered
// PULL_OFFSET_MOVED with the new minimum.
func TestRetentionTrimsQueues(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MappedFileSizeCommitLog = 128 << 10
	cfg.MaxMessageSize = 16 << 10
	cfg.FileReservedTime = time.Millisecond
	cfg.DeleteWhen = time.Now().Format("15") + ";" + time.Now().Add(time.Hour).Format("15")
	b := startBroker(t, cfg)
	for i := 0; i < 400; i++ {
		req := sendRequest("TopicRet", make([]byte, 1000))
		req.SetExtField("queueId", "0")
		if resp := invoke(t, b.ListenAddr(), req); resp.Code != 0 {
			t.Fatalf("send: %d %s", resp.Code, resp.Remark)
		}
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicRet") == 400 })
	waitFor(t, 10*time.Second, "segments deleted", func() bool {
		n, err := b.clog.DeleteExpired()
		return err == nil && n > 0
	})
	if got := b.applyRetention(0); got != b.clog.MinOffset() || got == 0 {
		t.Fatalf("applyRetention returned %d, log min %d", got, b.clog.MinOffset())
	}
	q := b.store.Queue("TopicRet", 0)
	if q.MinOffset() == 0 {
		t.Fatal("consume queue minimum did not move")
	}
	resp := invoke(t, b.ListenAddr(), pullRequest("TopicRet", 0, 0, 0, 0))
	if h := pullReply(t, resp); resp.Code != int32(protocol.RespPullOffsetMoved) || h.NextBeginOffset != q.MinOffset() {
		t.Fatalf("pull below min: code %d next %d, want 21 %d", resp.Code, h.NextBeginOffset, q.MinOffset())
	}
}

// TestUnregisterClient: UNREGISTER_CLIENT (Java clients at shutdown) removes
// the client from its group at once.
func TestUnregisterClient(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	cl := netpollClient(t, make(chan string, 4))
	req := protocol.NewRequest(protocol.ReqHeartBeat)
	req.Body = protocol.AppendHeartbeatData(nil, &protocol.HeartbeatData{ClientID: "java@1", ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: "cg-u", SubscriptionDataSet: []protocol.SubscriptionData{{Topic: "T", SubString: "*"}}}}})
	if resp := cl.invoke(t, b.ListenAddr(), req); resp.Code != 0 {
		t.Fatalf("heartbeat: %d", resp.Code)
	}
	un := protocol.NewRequest(protocol.ReqUnregisterClient)
	(&protocol.UnregisterClientRequestHeader{ClientID: "java@1", ConsumerGroup: "cg-u"}).Encode(un)
	if resp := cl.invoke(t, b.ListenAddr(), un); resp.Code != 0 {
		t.Fatalf("unregister: %d %s", resp.Code, resp.Remark)
	}
	if ids := b.clients.ids("cg-u"); len(ids) != 0 {
		t.Fatalf("still registered: %v", ids)
	}
}

// TestEndTransactionChecksTheHalfMessage: END_TRANSACTION is refused when
// group or offsets do not match the half message (J4 checkPrepareMessage),
// and a commit makes the message visible in its real topic.
func TestEndTransactionChecksTheHalfMessage(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	addr := b.ListenAddr()
	req := sendRequest("TopicTxRaw", []byte("half"))
	req.SetExtField("properties", "TRAN_MSG\x01true\x02PGROUP\x01pg\x02UNIQ_KEY\x01U1\x02")
	resp := invoke(t, addr, req)
	var sh protocol.SendMessageResponseHeader
	if resp.Code != 0 || sh.Decode(resp) != nil {
		t.Fatalf("half send: %d %s", resp.Code, resp.Remark)
	}
	_, phy, err := protocol.DecodeOffsetMsgID([]byte(sh.MsgID), nil)
	if err != nil {
		t.Fatal(err)
	}
	end := func(group string, queueOffset int64, how int32) *protocol.Command {
		r := protocol.NewRequest(protocol.ReqEndTransaction)
		(&protocol.EndTransactionRequestHeader{ProducerGroup: group, TranStateTableOffset: queueOffset, CommitLogOffset: phy,
			CommitOrRollback: how, MsgID: "U1"}).Encode(r)
		return invoke(t, addr, r)
	}
	if r := end("other", sh.QueueOffset, protocol.TransactionCommitType); r.Code != 1 || !strings.Contains(r.Remark, "producer group") {
		t.Fatalf("wrong group: %d %q", r.Code, r.Remark)
	}
	if r := end("pg", sh.QueueOffset+5, protocol.TransactionCommitType); r.Code != 1 || !strings.Contains(r.Remark, "state table offset") {
		t.Fatalf("wrong queue offset: %d %q", r.Code, r.Remark)
	}
	waitFor(t, 10*time.Second, "half dispatched", func() bool { return storedCount(b, TopicTransHalf) == 1 })
	if n := storedCount(b, "TopicTxRaw"); n != 0 {
		t.Fatalf("half message visible in its topic: %d", n)
	}
	if r := end("pg", sh.QueueOffset, protocol.TransactionCommitType); r.Code != 0 {
		t.Fatalf("commit: %d %q", r.Code, r.Remark)
	}
	waitFor(t, 10*time.Second, "committed message visible", func() bool { return storedCount(b, "TopicTxRaw") == 1 })
	waitFor(t, 10*time.Second, "op record", func() bool { return storedCount(b, TopicTransOp) == 1 })
}

// TestWaitPropertyNotStored: SYNC_FLUSH sends with WAIT=false (answered
// before the group commit, through the early-reply path) and WAIT=true are
// both answered once and stored, without the WAIT property. (That the early
// answer precedes the sync is not observable here without a slow-disk seam.)
func TestWaitPropertyNotStored(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.FlushDiskType = mmapstore.SyncFlush
	b := startBroker(t, cfg)
	for _, wait := range []string{"false", "true"} {
		req := sendRequest("TopicW", []byte("w-"+wait))
		req.SetExtField("properties", "WAIT\x01"+wait+"\x02TAGS\x01t\x02")
		if resp := invoke(t, b.ListenAddr(), req); resp.Code != 0 {
			t.Fatalf("WAIT=%s: %d %s", wait, resp.Code, resp.Remark)
		}
	}
	waitFor(t, 10*time.Second, "both stored", func() bool { return storedCount(b, "TopicW") == 2 })
	resp := invoke(t, b.ListenAddr(), pullRequest("TopicW", 0, 0, 0, 0))
	for body := resp.Body; len(body) > 0; {
		var m protocol.StoredMessage
		if err := protocol.DecodeStoredMessage(body, &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := protocol.PropertyValue(m.Properties, protocol.PropertyWaitStoreMsgOK); ok {
			t.Fatalf("WAIT stored with %s", m.Body)
		}
		body = body[m.TotalSize:]
	}
}

// TestResetOffsetByTime: INVOKE_BROKER_TO_RESET_OFFSET moves the group's
// offsets to the first message at or after the time, tells its clients with
// RESET_CONSUMER_CLIENT_OFFSET, and without isForce never moves forward.
func TestResetOffsetByTime(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	addr := b.ListenAddr()
	for i := 0; i < 5; i++ {
		if resp := invoke(t, addr, sendRequest("TopicRs", []byte{byte(i)})); resp.Code != 0 {
			t.Fatal(resp.Remark)
		}
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicRs") == 5 })
	b.offsets.commit("g-rs", "TopicRs", 0, 5)
	resets := make(chan *protocol.Command, 4)
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: testLogger(), OnRequest: func(_ string, req *protocol.Command) *protocol.Command {
		if req.Code == int32(protocol.ReqResetConsumerClientOffset) {
			resets <- req
		}
		return nil
	}})
	defer cl.Close()
	hb := protocol.NewRequest(protocol.ReqHeartBeat)
	hb.Body = protocol.AppendHeartbeatData(nil, &protocol.HeartbeatData{ClientID: "c@1", ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: "g-rs", SubscriptionDataSet: []protocol.SubscriptionData{{Topic: "TopicRs", SubString: "*"}}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cl.Invoke(ctx, addr, hb); err != nil {
		t.Fatal(err)
	}
	reset := func(ts int64, force bool) protocol.ResetOffsetBody {
		req := protocol.NewRequest(protocol.ReqInvokeBrokerToResetOffset)
		(&protocol.ResetOffsetRequestHeader{Topic: "TopicRs", Group: "g-rs", Timestamp: ts, IsForce: force}).Encode(req)
		resp := invoke(t, addr, req)
		body, err := protocol.DecodeResetOffsetBody(resp.Body)
		if resp.Code != 0 || err != nil {
			t.Fatalf("reset: %d %q %v", resp.Code, resp.Remark, err)
		}
		return body
	}
	queue0 := func(body protocol.ResetOffsetBody) int64 {
		for _, e := range body.OffsetTable {
			if e.Queue.QueueID == 0 {
				return e.Offset
			}
		}
		t.Fatalf("no queue 0 in %+v", body)
		return -1
	}
	if got := queue0(reset(0, true)); got != 0 || b.offsets.get("g-rs", "TopicRs", 0) != 0 {
		t.Fatalf("reset to time 0: %d, committed %d", got, b.offsets.get("g-rs", "TopicRs", 0))
	}
	select {
	case req := <-resets:
		body, err := protocol.DecodeResetOffsetBody(req.Body)
		if err != nil || queue0(body) != 0 {
			t.Fatalf("client told %+v, %v", body, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("client not told about the reset")
	}
	if got := queue0(reset(-1, false)); got != 0 {
		t.Fatalf("non-forced reset to the end moved forward to %d", got)
	}
	if got := queue0(reset(-1, true)); got != 5 {
		t.Fatalf("forced reset to the end: %d, want 5", got)
	}
}

// TestGroupsAndRetryTopicsPersist: a group created by a heartbeat and its
// retry topic are in subscriptionGroup.json and topics.json after a restart.
func TestGroupsAndRetryTopicsPersist(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, testConfig(dir))
	req := protocol.NewRequest(protocol.ReqHeartBeat)
	req.Body = protocol.AppendHeartbeatData(nil, &protocol.HeartbeatData{ClientID: "c@1", ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: "cg-p", SubscriptionDataSet: []protocol.SubscriptionData{{Topic: "T", SubString: "*"}}}}})
	if resp := invoke(t, b.ListenAddr(), req); resp.Code != 0 {
		t.Fatal(resp.Remark)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"subscriptionGroup.json", "topics.json", "delayOffset.json"} {
		if _, err := os.Stat(filepath.Join(dir, "config", f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	b2 := startBroker(t, testConfig(dir))
	if _, ok := b2.groups.ensure("cg-p"); !ok || b2.groups.len() != 1 {
		t.Fatalf("group lost across restart (%d groups)", b2.groups.len())
	}
	if _, ok := b2.topics.get("%RETRY%cg-p"); !ok {
		t.Fatal("retry topic lost across restart")
	}
}

// TestStatsAdminCalls covers GET_BROKER_RUNTIME_INFO, GET_TOPIC_STATS_INFO,
// GET_CONSUME_STATS and GET_CONSUMER_CONNECTION_LIST.
func TestStatsAdminCalls(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	addr := b.ListenAddr()
	for i := 0; i < 3; i++ {
		if resp := invoke(t, addr, sendRequest("TopicS", []byte("s"))); resp.Code != 0 {
			t.Fatal(resp.Remark)
		}
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicS") == 3 })
	b.offsets.commit("g-s", "TopicS", 0, 2)
	cl := netpollClient(t, make(chan string, 4))
	hb := protocol.NewRequest(protocol.ReqHeartBeat)
	hb.Body = protocol.AppendHeartbeatData(nil, &protocol.HeartbeatData{ClientID: "c@9", ConsumerDataSet: []protocol.ConsumerData{{
		GroupName: "g-s", ConsumeType: protocol.ConsumePassively, MessageModel: protocol.MessageModelClustering,
		ConsumeFromWhere: protocol.ConsumeFromFirstOffset, SubscriptionDataSet: []protocol.SubscriptionData{{Topic: "TopicS", SubString: "a || b"}}}}})
	if resp := cl.invoke(t, addr, hb); resp.Code != 0 {
		t.Fatal(resp.Remark)
	}
	call := func(code protocol.RequestCode, kv ...string) *protocol.Command {
		req := protocol.NewRequest(code)
		for i := 0; i+1 < len(kv); i += 2 {
			req.AddExtField(kv[i], kv[i+1])
		}
		resp := invoke(t, addr, req)
		if resp.Code != 0 {
			t.Fatalf("%v: %d %s", code, resp.Code, resp.Remark)
		}
		return resp
	}
	kv, err := protocol.DecodeKVTable(call(protocol.ReqGetBrokerRuntimeInfo).Body)
	if err != nil || kv["msgPutTotalTodayNow"] != "3" || kv["commitLogMaxOffset"] == "0" {
		t.Fatalf("runtime info %v %v", kv, err)
	}
	stats := string(call(protocol.ReqGetTopicStatsInfo, "topic", "TopicS").Body)
	if !strings.Contains(stats, `{"brokerName":"broker-t","queueId":0,"topic":"TopicS"}:{"lastUpdateTimestamp":`) ||
		!strings.Contains(stats, `"maxOffset":3,"minOffset":0}`) {
		t.Fatalf("topic stats %s", stats)
	}
	consume := string(call(protocol.ReqGetConsumeStats, "consumerGroup", "g-s", "topic", "TopicS").Body)
	if !strings.Contains(consume, `"queueId":0,"topic":"TopicS"}:{"brokerOffset":3,"consumerOffset":2,`) {
		t.Fatalf("consume stats %s", consume)
	}
	conns := string(call(protocol.ReqGetConsumerConnectionList, "consumerGroup", "g-s").Body)
	if !strings.Contains(conns, `"clientId":"c@9"`) || !strings.Contains(conns, `"subString":"a || b"`) ||
		!strings.Contains(conns, `"messageModel":"CLUSTERING"`) {
		t.Fatalf("connections %s", conns)
	}
	phb := protocol.NewRequest(protocol.ReqHeartBeat)
	phb.Body = protocol.AppendHeartbeatData(nil, &protocol.HeartbeatData{ClientID: "p@9", ProducerDataSet: []protocol.ProducerData{{GroupName: "pg-s"}}})
	if resp := cl.invoke(t, addr, phb); resp.Code != 0 {
		t.Fatal(resp.Remark)
	}
	if prods := string(call(protocol.ReqGetProducerConnectionList, "producerGroup", "pg-s").Body); !strings.Contains(prods, `"clientId":"p@9"`) {
		t.Fatalf("producer connections %s", prods)
	}
	req := protocol.NewRequest(protocol.ReqGetConsumerConnectionList)
	req.AddExtField("consumerGroup", "nobody")
	if resp := invoke(t, addr, req); resp.Code != int32(protocol.RespConsumerNotOnline) {
		t.Fatalf("offline group: %d", resp.Code)
	}
}

// TestGroupAdminAndExports covers UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
// DELETE_SUBSCRIPTIONGROUP, GET_ALL_CONSUMER_OFFSET, GET_ALL_DELAY_OFFSET,
// GET_TOPIC_NAME_LIST and GET_BROKER_CONFIG.
func TestGroupAdminAndExports(t *testing.T) {
	b := startBroker(t, testConfig(t.TempDir()))
	addr := b.ListenAddr()
	call := func(code protocol.RequestCode, body []byte, kv ...string) *protocol.Command {
		req := protocol.NewRequest(code)
		for i := 0; i+1 < len(kv); i += 2 {
			req.AddExtField(kv[i], kv[i+1])
		}
		req.Body = body
		return invoke(t, addr, req)
	}
	if resp := call(protocol.ReqUpdateAndCreateSubscriptionGroup, []byte(`{"groupName":"g-adm","retryMaxTimes":3}`)); resp.Code != 0 {
		t.Fatalf("create group: %d %s", resp.Code, resp.Remark)
	}
	if g, ok := b.groups.ensure("g-adm"); !ok || g.RetryMaxTimes != 3 || g.RetryQueueNums != 1 || !g.ConsumeEnable {
		t.Fatalf("group %+v", g)
	}
	if resp := call(protocol.ReqUpdateAndCreateSubscriptionGroup, []byte(`{"retryMaxTimes":3}`)); resp.Code == 0 {
		t.Fatal("group without a name accepted")
	}
	call(protocol.ReqUpdateAndCreateSubscriptionGroup, []byte(`{"groupName":"g-off","consumeEnable":false}`))
	pull := pullRequest("TopicAny", 0, 0, 0, 0)
	pull.SetExtField("consumerGroup", "g-off")
	b.topics.put(protocol.TopicConfig{TopicName: "TopicAny", ReadQueueNums: 1, WriteQueueNums: 1, Perm: 6})
	if resp := invoke(t, addr, pull); resp.Code != int32(protocol.RespNoPermission) {
		t.Fatalf("pull by a group with consumeEnable=false: %d %q", resp.Code, resp.Remark)
	}
	call(protocol.ReqDeleteSubscriptionGroup, nil, "groupName", "g-off")
	if resp := call(protocol.ReqDeleteSubscriptionGroup, nil, "groupName", "g-adm"); resp.Code != 0 || b.groups.len() != 0 {
		t.Fatalf("delete group: %d, %d left", resp.Code, b.groups.len())
	}
	b.offsets.commit("g-x", "T", 1, 42)
	if resp := call(protocol.ReqGetAllConsumerOffset, nil); resp.Code != 0 || !strings.Contains(string(resp.Body), `"T@g-x"`) {
		t.Fatalf("all offsets: %d %s", resp.Code, resp.Body)
	}
	if resp := call(protocol.ReqGetAllDelayOffset, nil); resp.Code != 0 || !strings.Contains(string(resp.Body), `"offsetTable"`) {
		t.Fatalf("delay offsets: %d %s", resp.Code, resp.Body)
	}
	resp := call(protocol.ReqGetTopicNameList, nil)
	list, err := protocol.DecodeTopicList(resp.Body)
	if resp.Code != 0 || err != nil || !slices.Contains(list.Topics, TopicAutoCreate) {
		t.Fatalf("topic names: %v %v", list, err)
	}
	if resp := call(protocol.ReqGetBrokerConfig, nil); resp.Code != 0 || !strings.Contains(string(resp.Body), "brokerName=broker-t\n") {
		t.Fatalf("broker config: %s", resp.Body)
	}
}
