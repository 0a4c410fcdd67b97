package broker

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// callConsumerTimeout bounds a forwarded call to a client.
const callConsumerTimeout = 5 * time.Second

// handleConsumerRunningInfo serves GET_CONSUMER_RUNNING_INFO (307) from an
// admin tool by forwarding it to the named client on its own connection
// and relaying the answer (J4 AdminBrokerProcessor.callConsumer).
func (b *Broker) handleConsumerRunningInfo(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.GetConsumerRunningInfoRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	fwd := protocol.NewRequest(protocol.ReqGetConsumerRunningInfo)
	(&protocol.GetConsumerRunningInfoRequestHeader{ConsumerGroup: strings.Clone(h.ConsumerGroup),
		ClientID: strings.Clone(h.ClientID), JstackEnable: h.JstackEnable}).Encode(fwd)
	b.callConsumer(c, req, h.ConsumerGroup, h.ClientID, fwd)
}

// handleConsumeMessageDirectly serves CONSUME_MESSAGE_DIRECTLY (309): the
// message named by its offset id is loaded and forwarded, as the body, to
// the named client, which consumes it and reports the result. A client
// never gets an empty body (the Go client would crash on it).
func (b *Broker) handleConsumeMessageDirectly(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.ConsumeMessageDirectlyRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	_, phy, err := protocol.DecodeOffsetMsgID(bytesOf(h.MsgID), nil)
	if err != nil {
		b.replyError(c, req, fmt.Errorf("msgId %q: %w: %w", h.MsgID, ErrBadRequest, err))
		return
	}
	v, err := b.clog.Read(phy)
	if err != nil {
		b.reply(c, req, protocol.RespSystemError, "can not find message by the offset, "+itoa(phy), nil)
		return
	}
	body := bytes.Clone(v.Bytes())
	v.Release()
	fwd := protocol.NewRequest(protocol.ReqConsumeMessageDirectly)
	(&protocol.ConsumeMessageDirectlyRequestHeader{ConsumerGroup: strings.Clone(h.ConsumerGroup), ClientID: strings.Clone(h.ClientID),
		MsgID: strings.Clone(h.MsgID), BrokerName: b.cfg.BrokerName}).Encode(fwd)
	fwd.Body = body
	b.callConsumer(c, req, h.ConsumerGroup, h.ClientID, fwd)
}

// callConsumer forwards fwd to clientID of group and answers req with the
// client's response: 1 when the client is not online, CONSUME_MSG_TIMEOUT
// when it does not answer in time.
func (b *Broker) callConsumer(c *netpoll.Conn, req *protocol.Command, group, clientID string, fwd *protocol.Command) {
	conn := b.clients.conn(group, clientID)
	if conn == nil {
		b.reply(c, req, protocol.RespSystemError, fmt.Sprintf("The Consumer <%s> <%s> not online", group, clientID), nil)
		return
	}
	to := c.Defer(req)
	remark := fmt.Sprintf("consumer <%s> <%s> Timeout", group, clientID)
	err := conn.InvokeAsync(fwd, callConsumerTimeout, func(resp *protocol.Command, err error) {
		switch {
		case errors.Is(err, netpoll.ErrTimeout):
			b.replyLater(to, protocol.RespConsumeMsgTimeout, remark, nil)
		case err != nil:
			b.replyLater(to, protocol.RespSystemError, "call consumer: "+err.Error(), nil)
		default:
			to.Reply(resp)
		}
	})
	if err != nil {
		b.replyErrorLater(to, fmt.Errorf("call consumer %s: %w", clientID, err))
	}
}

// conn returns the connection of clientID in group, or nil.
func (t *clientTable) conn(group, clientID string) *netpoll.Conn {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if g, ok := t.groups[group]; ok {
		if ch, ok := g.clients[clientID]; ok {
			return ch.conn
		}
	}
	return nil
}
