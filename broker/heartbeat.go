package broker

import (
	"fmt"
	"strings"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// handleHeartbeat serves HEART_BEAT (34): per consumer group, make sure the
// subscription group and its retry topic exist, register the client and its
// subscriptions, and notify the group when its membership changed
// (J4 ClientManageProcessor.heartBeat).
func (b *Broker) handleHeartbeat(c *netpoll.Conn, req *protocol.Command) {
	hb, err := protocol.DecodeHeartbeatData(req.Body)
	if err != nil {
		b.replyError(c, req, fmt.Errorf("heartbeat: %w: %w", ErrBadRequest, err))
		return
	}
	if hb.ClientID == "" {
		b.replyError(c, req, fmt.Errorf("heartbeat without clientID: %w", ErrBadRequest))
		return
	}
	now := time.Now()
	for _, pd := range hb.ProducerDataSet {
		if pd.GroupName != "" {
			b.clients.producerHeartbeat(hb.ClientID, c, pd.GroupName, req.Language.String(), req.Version, now)
		}
	}
	for i := range hb.ConsumerDataSet {
		cd := &hb.ConsumerDataSet[i]
		if cd.GroupName == "" {
			continue
		}
		if _, ok := b.groups.ensure(cd.GroupName); ok {
			b.ensureRetryTopic(RetryPrefix + cd.GroupName)
		}
		if b.clients.heartbeat(hb.ClientID, c, cd, req.Language.String(), req.Version, now) {
			b.log.Info("consumer group changed", "group", cd.GroupName, "client", hb.ClientID, "remote", c.RemoteAddr())
			b.notifyGroup(cd.GroupName)
		}
	}
	b.reply(c, req, protocol.RespSuccess, "", nil)
}

// handleUnregister serves UNREGISTER_CLIENT (35).
func (b *Broker) handleUnregister(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.UnregisterClientRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	if h.ConsumerGroup != "" || h.ProducerGroup == "" {
		for _, g := range b.clients.unregister(h.ClientID, h.ConsumerGroup) {
			b.notifyGroup(g)
		}
	}
	b.reply(c, req, protocol.RespSuccess, "", nil)
}

// handleConsumerList serves GET_CONSUMER_LIST_BY_GROUP (38): the ids of the
// group's live clients.
func (b *Broker) handleConsumerList(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.GetConsumerListByGroupRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	ids := b.clients.ids(h.ConsumerGroup)
	if len(ids) == 0 {
		b.reply(c, req, protocol.RespSystemError, "no consumer for this group, "+h.ConsumerGroup, nil)
		return
	}
	body := protocol.AppendConsumerListBody(nil, &protocol.ConsumerListBody{ConsumerIDList: ids})
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// connClosed is the server's close hook: the connection's clients leave
// their groups, which are told.
func (b *Broker) connClosed(c *netpoll.Conn) {
	for _, g := range b.clients.removeConn(c) {
		b.notifyGroup(g)
	}
}

// notifyGroup sends NOTIFY_CONSUMER_IDS_CHANGED to every client of group
// (no lock held; Send does not block).
func (b *Broker) notifyGroup(group string) {
	if b.closing.Load() {
		return
	}
	for _, conn := range b.clients.conns(group) {
		req := protocol.NewRequest(protocol.ReqNotifyConsumerIdsChanged)
		(&protocol.NotifyConsumerIdsChangedRequestHeader{ConsumerGroup: strings.Clone(group)}).Encode(req)
		if err := conn.Send(req); err != nil {
			b.log.Debug("notify consumer ids changed", "group", group, "err", err)
		}
	}
}
