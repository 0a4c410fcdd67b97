package broker

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// sendOp carries one SEND_MESSAGE / SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE
// from its handler to its answer. It is pooled: the steady send path
// allocates nothing once the pool is warm.
//
// The answer is sent by whichever of two events comes second: the handler
// finishing (offsets recorded after Append returned) and the store's
// completion (durable under sync flush; inside appendSend under async flush,
// where the reply, made inline, is written after the loop's batch-end hook
// wrote the record).
// pending counts them down from 2.
type sendOp struct {
	b       *Broker
	reply   netpoll.ReplyTo
	resp    protocol.Command
	pending atomic.Int32
	err     error // the store's completion error, written before pending drops

	msgs       []protocol.StoredMessage // the messages being appended
	entries    []batchEntry             // batch entries (alias the request body)
	props      []byte                   // rewritten properties of every message
	born       []byte                   // stored form of the producer's address
	ids        []byte                   // msgId text: offset ids joined by ","
	propStarts []int                    // batch: where each message's properties start in props

	queueID      int32
	queueOffset  int64
	backlogBytes int64          // counted in Broker.backlog until the completion
	doneFn       mmapstore.Done // op.done, bound once
	countDownFn  func()         // op.countDown, bound once
	createdTopic bool           // this send auto-created its topic
	noWait       bool           // WAIT=false: answered before the flush completes
	replied      bool           // answered already (noWait); written before pending drops
}

func (b *Broker) getSendOp() *sendOp {
	if op, ok := b.sendPool.Get().(*sendOp); ok {
		return op
	}
	op := &sendOp{b: b, born: make([]byte, 0, 20)}
	op.doneFn = op.done
	op.countDownFn = op.countDown
	return op
}

func (b *Broker) putSendOp(op *sendOp) {
	op.err, op.backlogBytes = nil, 0
	op.createdTopic, op.noWait, op.replied = false, false, false
	op.reply = netpoll.ReplyTo{}
	clear(op.msgs)
	op.msgs = op.msgs[:0]
	clear(op.entries)
	op.entries = op.entries[:0]
	if cap(op.props) > 1<<20 {
		op.props = nil
	}
	b.sendPool.Put(op)
}

// handleSend serves SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and
// SEND_BATCH_MESSAGE (320) on an event loop. Validation failures are
// answered at once; a stored message is answered when the flush policy is
// met, from the flusher's completion, without blocking the loop.
func (b *Broker) handleSend(c *netpoll.Conn, req *protocol.Command) {
	if b.closing.Load() {
		b.replyError(c, req, ErrClosed)
		return
	}
	var h protocol.SendMessageRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	op := b.getSendOp()
	if err := b.prepareSend(op, c.RemoteAddr(), req, &h); err != nil {
		b.putSendOp(op)
		b.replyError(c, req, err)
		return
	}
	if v, ok := protocol.PropertyValue(bytesOf(h.Properties), protocol.PropertyMessageReplyToClient); ok && len(v) > 0 {
		// A request of request-reply: its replies are pushed on this
		// connection, even before the client's first heartbeat.
		b.clients.rememberRequester(string(v), c)
	}
	op.reply = c.Defer(req)
	op.pending.Store(2) // the handler's count and the store's completion
	if op.createdTopic {
		op.pending.Store(3) // and the registration of the new topic (below)
	}
	op.backlogBytes = op.size()
	if !b.backlog.admit(op.backlogBytes) {
		b.putSendOp(op)
		b.busyRefused.Add(1)
		b.replyError(c, req, ErrBusy)
		return
	}
	b.inflight.Add(1)
	if err := b.appendSend(op, len(op.msgs) != 1 || h.Batch); err != nil {
		b.backlog.done(op.backlogBytes)
		b.sendDone()
		b.putSendOp(op)
		b.replyError(c, req, fmt.Errorf("send to %s: %w", h.Topic, err))
		return
	}
	if b.deferWrites && !op.createdTopic {
		c.NeedBatchEnd() // the hook writes the deferred records before the reply
	}
	if op.createdTopic {
		// Answer only once the NameServers know the new topic, so that a
		// consumer started after this send finds its route.
		b.afterRegister(op.countDownFn)
	}
	op.recordResult()
	b.putCount.Add(int64(len(op.msgs)))
	if op.noWait && !op.createdTopic {
		// WAIT=false: answer now, before the flush policy is met (J4
		// isWaitStoreMsgOK); the completion only finishes the op.
		op.resp.InitResponseTo(req, protocol.RespSuccess, "")
		op.fillResponse()
		c.Reply(req, &op.resp)
		op.replied = true
	}
	if op.pending.Add(-1) == 0 {
		if !op.replied {
			op.resp.InitResponseTo(req, respCode(op.err), op.remark())
			op.fillResponse()
			c.Reply(req, &op.resp)
		}
		op.finished()
	}
}

// appendSend appends op's messages. Under async flush (b.deferWrites) the
// records are deferred: the event loop's batch-end hook (WritePending) writes
// every record of the batch with one pwrite before the batch's replies are
// written, so the completion runs here and the handler answers inline. A
// send that created its topic is answered later, from another goroutine,
// and appends the ordinary way.
func (b *Broker) appendSend(op *sendOp, batch bool) error {
	if b.deferWrites && !op.createdTopic {
		var err error
		if batch {
			err = b.clog.AppendBatchDeferred(op.msgs)
		} else {
			err = b.clog.AppendDeferred(&op.msgs[0])
		}
		if err == nil {
			op.done(nil)
		}
		return err
	}
	if batch {
		return b.clog.AppendBatch(op.msgs, op.doneFn)
	}
	return b.clog.Append(&op.msgs[0], op.doneFn)
}

// done is the store's completion (mmapstore.Done): it must not block.
func (op *sendOp) done(err error) {
	op.err = err
	op.b.backlog.done(op.backlogBytes)
	op.countDown()
}

// size is the stored size of the messages to append.
func (op *sendOp) size() int64 {
	var n int64
	for i := range op.msgs {
		n += int64(op.msgs[i].Size())
	}
	return n
}

// countDown answers from the calling goroutine when it is the last event.
func (op *sendOp) countDown() {
	if op.pending.Add(-1) != 0 {
		return
	}
	if op.replied {
		op.finished()
		return
	}
	op.resp.InitResponse(respCode(op.err), op.remark())
	op.fillResponse()
	op.reply.Reply(&op.resp)
	op.finished()
}

func (op *sendOp) finished() {
	b := op.b
	b.sendDone()
	b.putSendOp(op)
}

func (op *sendOp) remark() string {
	if op.err == nil {
		return ""
	}
	return op.err.Error()
}

// recordResult notes the offsets Append filled in and builds the msgId.
func (op *sendOp) recordResult() {
	op.queueID = op.msgs[0].QueueID
	op.queueOffset = op.msgs[0].QueueOffset
	op.ids = op.ids[:0]
	for i := range op.msgs {
		if i > 0 {
			op.ids = append(op.ids, ',')
		}
		op.ids = protocol.AppendOffsetMsgID(op.ids, op.b.storeHost, op.msgs[i].PhysicalOffset)
	}
}

// fillResponse adds the reply header: ids and offsets for a stored message
// (also on FLUSH_DISK_TIMEOUT, which is stored), region and trace switch.
func (op *sendOp) fillResponse() {
	h := protocol.SendMessageResponseHeader{MsgRegion: op.b.cfg.RegionID, TraceOn: !op.b.cfg.DisableTrace}
	if op.err == nil || errors.Is(op.err, mmapstore.ErrFlushTimeout) {
		h.MsgID, h.QueueID, h.QueueOffset = stringOf(op.ids), op.queueID, op.queueOffset
	}
	h.Encode(&op.resp)
}

// prepareSend validates the request and fills op.msgs.
func (b *Broker) prepareSend(op *sendOp, remote string, req *protocol.Command, h *protocol.SendMessageRequestHeader) error {
	if err := protocol.ValidateTopic(bytesOf(h.Topic)); err != nil {
		return fmt.Errorf("send to %q: %w", h.Topic, err)
	}
	if notSendable[h.Topic] {
		return fmt.Errorf("send to %s: %w", h.Topic, ErrSystemTopic)
	}
	tc, created, err := b.topicForSend(h.Topic, h.DefaultTopic, h.DefaultTopicQueueNums)
	op.createdTopic = created
	if err != nil {
		return err
	}
	if tc.Perm&protocol.PermWrite == 0 {
		return fmt.Errorf("send to %s: %w", h.Topic, ErrTopicNoPermission)
	}
	qid := h.QueueID
	if qid < 0 {
		qid = int32(b.queueRR.Add(1) % uint32(max(tc.WriteQueueNums, 1)))
	}
	if qid >= max(tc.ReadQueueNums, tc.WriteQueueNums) {
		return fmt.Errorf("send to %s: queue %d of %d: %w", h.Topic, qid, tc.WriteQueueNums, ErrQueueID)
	}
	if len(h.Properties) > 32767 {
		return fmt.Errorf("send to %s: %w", h.Topic, protocol.ErrPropertiesTooLong)
	}
	sysFlag := h.SysFlag &^ (protocol.SysFlagBornHostV6 | protocol.SysFlagStoreHostV6)
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		op.born = protocol.AppendHost(op.born[:0], ap)
		if len(op.born) == 20 {
			sysFlag |= protocol.SysFlagBornHostV6
		}
	} else {
		op.born = append(op.born[:0], 0, 0, 0, 0, 0, 0, 0, 0)
	}
	base := protocol.StoredMessage{QueueID: qid, SysFlag: sysFlag | b.hostFlags, BornTimestamp: h.BornTimestamp,
		BornHost: op.born, StoreHost: b.storeHost, ReconsumeTimes: h.ReconsumeTimes, Topic: bytesOf(h.Topic)}
	if h.Batch || protocol.RequestCode(req.Code) == protocol.ReqSendBatchMessage {
		return b.prepareBatch(op, req.Body, base)
	}
	return b.prepareSingle(op, req.Body, h, base)
}

// prepareSingle fills op.msgs[0]: a message with a DELAY level goes to the
// schedule topic with REAL_TOPIC/REAL_QID; WAIT is dropped and CLUSTER added.
func (b *Broker) prepareSingle(op *sendOp, body []byte, h *protocol.SendMessageRequestHeader, m protocol.StoredMessage) error {
	if len(body) > b.cfg.MaxMessageSize {
		return fmt.Errorf("send to %s: body %d bytes > %d: %w", h.Topic, len(body), b.cfg.MaxMessageSize, ErrBodyTooLarge)
	}
	props := bytesOf(h.Properties)
	if v, ok := protocol.PropertyValue(props, protocol.PropertyWaitStoreMsgOK); ok && string(v) == "false" {
		op.noWait = true
	}
	op.props = appendProps(op.props[:0], props, propsRewrite{drop1: protocol.PropertyWaitStoreMsgOK, drop2: protocol.PropertyCluster})
	op.props = protocol.AppendProperty(op.props, protocol.PropertyCluster, b.cfg.BrokerClusterName)
	if v, ok := protocol.PropertyValue(props, protocol.PropertyTransactionPrepared); ok && string(v) == "true" ||
		m.SysFlag&protocol.SysFlagTransactionMask == protocol.SysFlagTransactionPrep {
		b.toHalf(op, &m, props, h.Topic)
		if len(op.props) > 32767 {
			return fmt.Errorf("send to %s: %w", h.Topic, protocol.ErrPropertiesTooLong)
		}
		m.Flag, m.Body, m.Properties = h.Flag, body, op.props
		op.msgs = append(op.msgs[:0], m)
		return nil
	}
	dlq, dead := b.deadLetter(h)
	if v, ok := protocol.PropertyValue(props, protocol.PropertyDelayTimeLevel); ok && !dead {
		if level, ok := atoi32(v); ok && level > 0 {
			level = min(level, int32(len(b.levels)))
			op.props = protocol.AppendProperty(op.props, protocol.PropertyRealTopic, h.Topic)
			op.props = append(op.props, protocol.PropertyRealQueueID...)
			op.props = append(op.props, protocol.NameValueSeparator)
			op.props = appendInt(op.props, int64(m.QueueID))
			op.props = append(op.props, protocol.PropertySeparator)
			m.Topic, m.QueueID = bytesOf(TopicSchedule), level-1
		}
	}
	if len(op.props) > 32767 {
		return fmt.Errorf("send to %s: %w", h.Topic, protocol.ErrPropertiesTooLong)
	}
	if dead { // no delay for a dead letter
		m.Topic, m.QueueID = bytesOf(dlq), 0
	}
	m.Flag, m.Body, m.Properties = h.Flag, body, op.props
	op.msgs = append(op.msgs[:0], m)
	return nil
}

// prepareBatch fills op.msgs from a batch body: each entry becomes one
// message with the batch's topic, queue and hosts and its own properties
// plus CLUSTER. Delayed and transactional batches are refused (J4).
func (b *Broker) prepareBatch(op *sendOp, body []byte, base protocol.StoredMessage) error {
	var err error
	if op.entries, err = decodeBatch(op.entries[:0], body); err != nil {
		return fmt.Errorf("batch to %s: %w", base.Topic, err)
	}
	op.props = op.props[:0]
	op.propStarts = op.propStarts[:0]
	for i := range op.entries {
		e := &op.entries[i]
		if len(e.body) > b.cfg.MaxMessageSize {
			return fmt.Errorf("batch to %s: message %d body %d bytes > %d: %w", base.Topic, i, len(e.body), b.cfg.MaxMessageSize, ErrBodyTooLarge)
		}
		if _, ok := protocol.PropertyValue(e.props, protocol.PropertyDelayTimeLevel); ok {
			return fmt.Errorf("batch to %s: delayed messages cannot be batched: %w", base.Topic, ErrMessageIllegal)
		}
		start := len(op.props)
		op.props = appendProps(op.props, e.props, propsRewrite{drop1: protocol.PropertyWaitStoreMsgOK, drop2: protocol.PropertyCluster})
		op.props = protocol.AppendProperty(op.props, protocol.PropertyCluster, b.cfg.BrokerClusterName)
		if len(op.props)-start > 32767 {
			return fmt.Errorf("batch to %s: message %d: %w", base.Topic, i, protocol.ErrPropertiesTooLong)
		}
		m := base
		m.Flag, m.Body = e.flag, e.body
		op.msgs = append(op.msgs, m)
		op.propStarts = append(op.propStarts, start)
	}
	// op.props may have moved while growing: slice it only now.
	for i := range op.msgs {
		end := len(op.props)
		if i+1 < len(op.msgs) {
			end = op.propStarts[i+1]
		}
		op.msgs[i].Properties = op.props[op.propStarts[i]:end:end]
	}
	return nil
}

// deadLetter reports whether a send to %RETRY%<group> has used up its
// reconsume times and goes to %DLQ%<group> instead (J4
// AbstractSendMessageProcessor handleRetryAndDLQ; the Go client sends there
// when CONSUMER_SEND_MSG_BACK failed).
func (b *Broker) deadLetter(h *protocol.SendMessageRequestHeader) (string, bool) {
	group, ok := strings.CutPrefix(h.Topic, RetryPrefix)
	if !ok || group == "" {
		return "", false
	}
	maxTimes := int32(DefaultMaxReconsumeTimes)
	if g, ok := b.groups.ensure(group); ok {
		maxTimes = g.RetryMaxTimes
	}
	if h.HasMaxReconsumeTimes && h.MaxReconsumeTimes >= 0 {
		maxTimes = h.MaxReconsumeTimes
	}
	if h.ReconsumeTimes < maxTimes {
		return "", false
	}
	dlq := DLQPrefix + group
	b.ensureRetryTopic(dlq)
	return dlq, true
}

// topicForSend returns the topic's config, creating it from the default
// topic (TBW102) when auto-creation is on, or a retry topic.
func (b *Broker) topicForSend(topic, defaultTopic string, queueNums int32) (protocol.TopicConfig, bool, error) {
	if tc, ok := b.topics.get(topic); ok {
		return tc, false, nil
	}
	if len(topic) > len(RetryPrefix) && topic[:len(RetryPrefix)] == RetryPrefix {
		return b.ensureRetryTopic(topic), false, nil
	}
	def, ok := b.topics.get(defaultTopic)
	if b.cfg.DisableAutoCreateTopic || !ok || def.Perm&protocol.PermInherit == 0 {
		return protocol.TopicConfig{}, false, fmt.Errorf("topic[%s] not exist, apply first please: %w", topic, ErrTopicNotExist)
	}
	n := def.WriteQueueNums
	if queueNums > 0 && queueNums < n {
		n = queueNums
	}
	tc, created := b.topics.ensure(protocol.TopicConfig{TopicName: topic, ReadQueueNums: n, WriteQueueNums: n,
		Perm: def.Perm &^ protocol.PermInherit, TopicFilterType: protocol.TopicFilterSingleTag})
	if created {
		b.log.Info("topic auto-created", "topic", topic, "queues", n, "from", defaultTopic)
		b.triggerRegister()
	}
	return tc, created, nil
}

// ensureRetryTopic creates %RETRY%<group> or %DLQ%<group> with one queue,
// perm RW, registering it with the NameServers when new.
func (b *Broker) ensureRetryTopic(topic string) protocol.TopicConfig {
	tc, created := b.topics.ensure(protocol.TopicConfig{TopicName: topic, ReadQueueNums: 1, WriteQueueNums: 1,
		Perm: protocol.PermRead | protocol.PermWrite, TopicFilterType: protocol.TopicFilterSingleTag})
	if created {
		b.log.Info("topic created", "topic", topic)
		b.triggerRegister()
	}
	return tc
}
