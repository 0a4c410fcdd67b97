package broker

import (
	"encoding/json"
	"fmt"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// Statistics for admin tools. The bodies are written the way the Java
// broker's fastjson writes them: maps keyed by a MessageQueue have the
// queue's JSON object as the key (not valid JSON; Java tools and the Go
// client's own parsers expect exactly this), fields in alphabetical order.

// handleBrokerRuntimeInfo serves GET_BROKER_RUNTIME_INFO (28): a KVTable of
// the broker's state (a subset of J4 BrokerController's keys).
func (b *Broker) handleBrokerRuntimeInfo(c *netpoll.Conn, req *protocol.Command) {
	table := map[string]string{
		"brokerVersionDesc":   "fastmq",
		"brokerVersion":       strconv.Itoa(int(protocol.VersionV4_9_8)),
		"bootTimestamp":       strconv.FormatInt(b.bootTime.UnixMilli(), 10),
		"runtime":             time.Since(b.bootTime).Round(time.Second).String(),
		"commitLogMinOffset":  strconv.FormatInt(b.clog.MinOffset(), 10),
		"commitLogMaxOffset":  strconv.FormatInt(b.clog.MaxOffset(), 10),
		"dispatchBehindBytes": strconv.FormatInt(b.store.DispatchBehindBytes(), 10),
		"msgPutTotalTodayNow": strconv.FormatInt(b.putCount.Load(), 10),
		"msgGetTotalTodayNow": strconv.FormatInt(b.getCount.Load(), 10),
		"pullHoldCount":       strconv.FormatInt(b.holds.parked(), 10),
		"flushDiskType":       flushName(b.cfg.FlushDiskType),
		"pullBodyBytesServed": strconv.FormatInt(b.pullBytes.Load(), 10),
		"syncBacklogBytes":    strconv.FormatInt(b.backlog.bytes.Load(), 10),
		"sendRefusedBusy":     strconv.FormatInt(b.busyRefused.Load(), 10),
	}
	b.addCopyStats(table)
	body := protocol.AppendKVTable(nil, table)
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// addCopyStats adds the counters a benchmark needs to tell bytes served
// from bytes copied on the way (fastmq's own keys, not J4's): the remoting
// server's write counters (netpoll.Stats) and the Go heap's cumulative
// allocation, read through runtime/metrics (no stop-the-world).
func (b *Broker) addCopyStats(table map[string]string) {
	st := b.srv.Stats()
	table["netBytesWritten"] = strconv.FormatInt(st.BytesWritten, 10)
	table["netBytesVectored"] = strconv.FormatInt(st.BytesVectored, 10)
	table["netBytesInlineCopied"] = strconv.FormatInt(st.BytesInlineCopied, 10)
	table["netBytesOutboundCopied"] = strconv.FormatInt(st.BytesOutboundCopied, 10)
	samples := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/objects:objects"}}
	metrics.Read(samples)
	keys := [...]string{"goHeapAllocBytes", "goHeapObjects"}
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			table[keys[i]] = strconv.FormatUint(s.Value.Uint64(), 10)
		}
	}
}

// handleTopicStats serves GET_TOPIC_STATS_INFO (202): per queue its min and
// max offsets and the store time of its newest message (J4 TopicStatsTable).
func (b *Broker) handleTopicStats(c *netpoll.Conn, req *protocol.Command) {
	topic, _ := req.ExtField("topic")
	tc, ok := b.topics.get(topic)
	if !ok {
		b.replyError(c, req, fmt.Errorf("topic[%s] not exist: %w", topic, ErrTopicNotExist))
		return
	}
	topic, to := strings.Clone(topic), c.Defer(req)
	b.offload(func() { // store times are read from the log
		body := []byte(`{"offsetTable":{`)
		for qid := int32(0); qid < tc.WriteQueueNums; qid++ {
			var minOff, maxOff, last int64
			if q := b.store.Queue(topic, qid); q != nil {
				minOff, maxOff = q.MinOffset(), q.MaxOffset()
				if maxOff > minOff {
					last, _ = b.storeTimeAt(q, maxOff-1)
				}
			}
			if qid > 0 {
				body = append(body, ',')
			}
			body = protocol.AppendMessageQueue(body, &protocol.MessageQueue{Topic: topic, BrokerName: b.cfg.BrokerName, QueueID: qid})
			body = fmt.Appendf(body, `:{"lastUpdateTimestamp":%d,"maxOffset":%d,"minOffset":%d}`, last, maxOff, minOff)
		}
		body = append(body, "}}"...)
		b.replyLater(to, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
	})
}

// handleConsumeStats serves GET_CONSUME_STATS (208): for the group's topic
// (or every topic it has offsets for), each queue's broker offset and the
// group's committed offset (J4 ConsumeStats).
func (b *Broker) handleConsumeStats(c *netpoll.Conn, req *protocol.Command) {
	group, _ := req.ExtField("consumerGroup")
	topic, _ := req.ExtField("topic")
	if group == "" {
		b.replyError(c, req, fmt.Errorf("consumerGroup missing: %w", ErrBadRequest))
		return
	}
	topics := []string{topic}
	if topic == "" {
		topics = b.offsets.topicsOf(group)
	}
	body := []byte(`{"consumeTps":0.0,"offsetTable":{`)
	first := true
	for _, t := range topics {
		tc, ok := b.topics.get(t)
		if !ok {
			continue
		}
		for qid := int32(0); qid < tc.WriteQueueNums; qid++ {
			var brokerOff int64
			if q := b.store.Queue(t, qid); q != nil {
				brokerOff = q.MaxOffset()
			}
			if !first {
				body = append(body, ',')
			}
			first = false
			body = protocol.AppendMessageQueue(body, &protocol.MessageQueue{Topic: t, BrokerName: b.cfg.BrokerName, QueueID: qid})
			body = fmt.Appendf(body, `:{"brokerOffset":%d,"consumerOffset":%d,"lastTimestamp":0}`, brokerOff, max(b.offsets.get(group, t, qid), 0))
		}
	}
	body = append(body, "}}"...)
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// handleConsumerConnections serves GET_CONSUMER_CONNECTION_LIST (203): the
// group's clients and subscriptions (J4 ConsumerConnection); 206
// CONSUMER_NOT_ONLINE when none.
func (b *Broker) handleConsumerConnections(c *netpoll.Conn, req *protocol.Command) {
	group, _ := req.ExtField("consumerGroup")
	body, ok := b.clients.connectionJSON(group)
	if !ok {
		b.reply(c, req, protocol.RespConsumerNotOnline, "the consumer group["+group+"] not online", nil)
		return
	}
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// handleProducerConnections serves GET_PRODUCER_CONNECTION_LIST (204): the
// producer group's clients (J4 ProducerConnection); 1 when none.
func (b *Broker) handleProducerConnections(c *netpoll.Conn, req *protocol.Command) {
	group, _ := req.ExtField("producerGroup")
	body, ok := b.clients.producerJSON(group)
	if !ok {
		b.reply(c, req, protocol.RespSystemError, "the producer group["+group+"] not exist", nil)
		return
	}
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// producerJSON encodes the group's ProducerConnection, or reports that it
// has no client.
func (t *clientTable) producerJSON(group string) ([]byte, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g := t.producers[group]
	if group == requesterGroup || len(g) == 0 {
		return nil, false
	}
	var out struct {
		ConnectionSet []connectionJSON `json:"connectionSet"`
	}
	for id, ch := range g {
		out.ConnectionSet = append(out.ConnectionSet, connectionJSON{ClientAddr: ch.conn.RemoteAddr(), ClientID: id,
			Language: ch.language, Version: ch.version})
	}
	sort.Slice(out.ConnectionSet, func(i, j int) bool { return out.ConnectionSet[i].ClientID < out.ConnectionSet[j].ClientID })
	body, _ := json.Marshal(&out) // plain structs cannot fail
	return body, true
}

type connectionJSON struct {
	ClientAddr string `json:"clientAddr"`
	ClientID   string `json:"clientId"`
	Language   string `json:"language"`
	Version    int32  `json:"version"`
}

type subscriptionJSON struct {
	ClassFilterMode bool     `json:"classFilterMode"`
	CodeSet         []int64  `json:"codeSet"`
	ExpressionType  string   `json:"expressionType"`
	SubString       string   `json:"subString"`
	SubVersion      int64    `json:"subVersion"`
	TagsSet         []string `json:"tagsSet"`
	Topic           string   `json:"topic"`
}

// connectionJSON encodes the group's ConsumerConnection, or reports that it
// has no client.
func (t *clientTable) connectionJSON(group string) ([]byte, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g, ok := t.groups[group]
	if !ok || len(g.clients) == 0 {
		return nil, false
	}
	out := struct {
		ConnectionSet     []connectionJSON            `json:"connectionSet"`
		ConsumeFromWhere  string                      `json:"consumeFromWhere"`
		ConsumeType       string                      `json:"consumeType"`
		MessageModel      string                      `json:"messageModel"`
		SubscriptionTable map[string]subscriptionJSON `json:"subscriptionTable"`
	}{ConsumeFromWhere: g.fromWhere, ConsumeType: g.consumeType, MessageModel: g.model,
		SubscriptionTable: map[string]subscriptionJSON{}}
	for id, ch := range g.clients {
		out.ConnectionSet = append(out.ConnectionSet, connectionJSON{ClientAddr: ch.conn.RemoteAddr(), ClientID: id,
			Language: ch.language, Version: ch.version})
	}
	sort.Slice(out.ConnectionSet, func(i, j int) bool { return out.ConnectionSet[i].ClientID < out.ConnectionSet[j].ClientID })
	for topic, s := range g.subs {
		expr := protocol.ExpressionTypeTag
		if s.sql92 {
			expr = protocol.ExpressionTypeSQL92
		}
		out.SubscriptionTable[topic] = subscriptionJSON{CodeSet: append([]int64{}, s.codes...), ExpressionType: expr,
			SubString: s.expr, SubVersion: s.version, TagsSet: append([]string{}, s.tags...), Topic: topic}
	}
	body, _ := json.Marshal(&out) // plain structs cannot fail
	return body, true
}

// topicsOf lists the topics group has committed offsets for.
func (t *offsetTable) topicsOf(group string) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []string
	for k := range t.table {
		if k.group == group {
			out = append(out, k.topic)
		}
	}
	sort.Strings(out)
	return out
}
