package broker

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// pushReplyTimeout bounds PUSH_REPLY_MESSAGE_TO_CLIENT.
const pushReplyTimeout = 3 * time.Second

// replyTopic is the topic responders send replies to: <cluster>_REPLY_TOPIC
// (J4 MixAll.getReplyTopic). It is created at Open so that it has a route.
func (b *Broker) replyTopic() string { return b.cfg.BrokerClusterName + "_REPLY_TOPIC" }

// handleSendReply serves SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2
// (325), the responder's half of request-reply: the reply is pushed to the
// requesting client named by REPLY_TO_CLIENT with
// PUSH_REPLY_MESSAGE_TO_CLIENT (326) on its own connection, and the
// responder is answered once the push is acknowledged (J4
// ReplyMessageProcessor; the reply is not stored, as with
// storeReplyMessageEnable=false).
func (b *Broker) handleSendReply(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.SendMessageRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	if len(req.Body) > b.cfg.MaxMessageSize {
		b.replyError(c, req, fmt.Errorf("reply body %d bytes > %d: %w", len(req.Body), b.cfg.MaxMessageSize, ErrBodyTooLarge))
		return
	}
	props := bytesOf(h.Properties)
	target, _ := protocol.PropertyValue(props, protocol.PropertyMessageReplyToClient)
	conn := b.clients.connByID(string(target))
	if conn == nil {
		b.reply(c, req, protocol.RespSystemError, fmt.Sprintf("push reply message fail, channel of <%s> not found", target), nil)
		return
	}
	push := protocol.NewRequest(protocol.ReqPushReplyMessageToClient)
	now := time.Now().UnixMilli()
	newProps := protocol.AppendProperty(bytes.Clone(props), protocol.PropertyPushReplyTime, itoa(now))
	for _, kv := range [][2]string{{"producerGroup", h.ProducerGroup}, {"topic", h.Topic}, {"defaultTopic", h.DefaultTopic},
		{"defaultTopicQueueNums", itoa(int64(h.DefaultTopicQueueNums))}, {"queueId", itoa(int64(h.QueueID))},
		{"sysFlag", itoa(int64(h.SysFlag))}, {"bornTimestamp", itoa(h.BornTimestamp)}, {"flag", itoa(int64(h.Flag))},
		{"properties", string(newProps)}, {"reconsumeTimes", itoa(int64(h.ReconsumeTimes))}, {"unitMode", "false"},
		{"bornHost", c.RemoteAddr()}, {"storeHost", b.addr}, {"storeTimestamp", itoa(now)}} {
		push.AddExtField(strings.Clone(kv[0]), strings.Clone(kv[1]))
	}
	push.Body = bytes.Clone(req.Body)
	to, queueID := c.Defer(req), h.QueueID
	err := conn.InvokeAsync(push, pushReplyTimeout, func(resp *protocol.Command, err error) {
		if err != nil || resp.Code != int32(protocol.RespSuccess) {
			b.replyLater(to, protocol.RespSystemError, fmt.Sprintf("push reply message fail: %v", err), nil)
			return
		}
		b.replyLater(to, protocol.RespSuccess, "", func(r *protocol.Command) {
			r.AddExtField("msgId", "0")
			r.AddExtFieldInt("queueId", int64(queueID))
			r.AddExtField("queueOffset", "0")
		})
	})
	if err != nil {
		b.replyErrorLater(to, fmt.Errorf("push reply message: %w", err))
	}
}

// requesterGroup is the pseudo producer group under which request-reply
// requesters are remembered from their request messages.
const requesterGroup = ""

// rememberRequester records the connection a request-reply requester sent
// its request on (dropped with the connection or after the client expiry).
func (t *clientTable) rememberRequester(clientID string, conn *netpoll.Conn) {
	t.mu.RLock()
	ch, ok := t.producers[requesterGroup][clientID]
	fresh := ok && ch.conn == conn && time.Since(ch.lastSeen) < time.Second
	t.mu.RUnlock()
	if !fresh {
		t.producerHeartbeat(clientID, conn, requesterGroup, "", 0, time.Now())
	}
}

// connByID returns a live connection of the client with this id, producer
// or consumer, or nil.
func (t *clientTable) connByID(clientID string) *netpoll.Conn {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, g := range t.producers {
		if ch, ok := g[clientID]; ok && !ch.conn.Closed() {
			return ch.conn
		}
	}
	for _, g := range t.groups {
		if ch, ok := g.clients[clientID]; ok && !ch.conn.Closed() {
			return ch.conn
		}
	}
	return nil
}
