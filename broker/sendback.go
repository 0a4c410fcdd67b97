package broker

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// handleSendBack serves CONSUMER_SEND_MSG_BACK (36): the failed message at
// the given commit-log offset is written again to %RETRY%<group> through
// the delay level 3 + reconsumeTimes (or the requested level), or to
// %DLQ%<group> once reconsumeTimes reaches the maximum
// (J4 SendMessageProcessor.asyncConsumerSendMsgBack).
func (b *Broker) handleSendBack(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.ConsumerSendMsgBackRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	g, ok := b.groups.ensure(h.Group)
	if !ok {
		b.replyError(c, req, fmt.Errorf("subscription group %s not exist: %w", h.Group, ErrGroupNotExist))
		return
	}
	if g.RetryQueueNums <= 0 {
		b.reply(c, req, protocol.RespSuccess, "", nil)
		return
	}
	h.Group, h.OriginMsgID, h.OriginTopic = strings.Clone(h.Group), strings.Clone(h.OriginMsgID), strings.Clone(h.OriginTopic)
	to := c.Defer(req)
	b.inflight.Add(1)
	b.offload(func() { b.sendBack(to, &h, &g) }) // the failed message may be cold
}

// sendBack reads the failed message and appends its retry (or DLQ) copy;
// the answer leaves from the append's completion.
func (b *Broker) sendBack(to netpoll.ReplyTo, h *protocol.ConsumerSendMsgBackRequestHeader, g *GroupConfig) {
	v, err := b.clog.Read(h.Offset)
	if err != nil {
		b.sendDone()
		b.replyLater(to, protocol.RespSystemError, "look message by offset failed, "+itoa(h.Offset), nil)
		return
	}
	defer v.Release()
	var m protocol.StoredMessage
	if err := protocol.DecodeStoredMessage(v.Bytes(), &m); err != nil {
		b.sendDone()
		b.replyLater(to, protocol.RespSystemError, "look message by offset failed, "+itoa(h.Offset), nil)
		return
	}
	out, props := b.retryMessage(h, g, &m)
	out.Properties = props
	n := int64(out.Size())
	b.backlog.add(n)
	err = b.clog.Append(&out, func(err error) {
		b.backlog.done(n)
		defer b.sendDone()
		if err != nil && !errors.Is(err, mmapstore.ErrFlushTimeout) {
			b.replyLater(to, respCode(err), err.Error(), nil)
			return
		}
		b.replyLater(to, protocol.RespSuccess, "", nil)
	})
	if err != nil {
		b.backlog.done(n)
		b.sendDone()
		b.replyErrorLater(to, fmt.Errorf("send back to %s: %w", out.Topic, err))
	}
}

// retryMessage builds the message a send-back appends: to the DLQ, or to
// the schedule topic with REAL_TOPIC = %RETRY%<group>.
func (b *Broker) retryMessage(h *protocol.ConsumerSendMsgBackRequestHeader, g *GroupConfig, m *protocol.StoredMessage) (protocol.StoredMessage, []byte) {
	props := appendProps(nil, m.Properties, propsRewrite{drop1: protocol.PropertyDelayTimeLevel,
		drop2: protocol.PropertyRealTopic, drop3: protocol.PropertyRealQueueID})
	if _, ok := protocol.PropertyValue(m.Properties, protocol.PropertyRetryTopic); !ok {
		props = protocol.AppendProperty(props, protocol.PropertyRetryTopic, string(m.Topic))
	}
	if _, ok := protocol.PropertyValue(m.Properties, protocol.PropertyOriginMessageID); !ok {
		origin := h.OriginMsgID
		if origin == "" {
			if u, ok := protocol.PropertyValue(m.Properties, protocol.PropertyUniqKey); ok {
				origin = string(u)
			} else {
				origin = string(protocol.AppendOffsetMsgID(nil, m.StoreHost, m.PhysicalOffset))
			}
		}
		props = protocol.AppendProperty(props, protocol.PropertyOriginMessageID, origin)
	}
	maxTimes := g.RetryMaxTimes
	if h.HasMaxReconsumeTimes && h.MaxReconsumeTimes >= 0 {
		maxTimes = h.MaxReconsumeTimes
	}
	out := protocol.StoredMessage{Flag: m.Flag, SysFlag: m.SysFlag&^protocol.SysFlagStoreHostV6 | b.hostFlags,
		BornTimestamp: m.BornTimestamp, BornHost: m.BornHost, StoreHost: b.storeHost,
		ReconsumeTimes: m.ReconsumeTimes + 1, Body: m.Body}
	if m.ReconsumeTimes >= maxTimes || h.DelayLevel < 0 {
		dlq := DLQPrefix + h.Group
		b.ensureRetryTopic(dlq)
		out.Topic = []byte(dlq)
		return out, props
	}
	retry := RetryPrefix + h.Group
	b.ensureRetryTopic(retry)
	level := h.DelayLevel
	if level == 0 {
		level = 3 + m.ReconsumeTimes
	}
	level = min(level, int32(len(b.levels)))
	props = protocol.AppendProperty(props, protocol.PropertyDelayTimeLevel, itoa(int64(level)))
	props = protocol.AppendProperty(props, protocol.PropertyRealTopic, retry)
	props = protocol.AppendProperty(props, protocol.PropertyRealQueueID, "0")
	out.Topic, out.QueueID = []byte(TopicSchedule), level-1
	return out, props
}
