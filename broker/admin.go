package broker

import (
	"fmt"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// checkAdminTopic applies J4 AdminBrokerProcessor's name checks.
func checkAdminTopic(topic string) error {
	if err := protocol.ValidateTopic([]byte(topic)); err != nil {
		return fmt.Errorf("topic %q: %w: %w", topic, ErrBadRequest, err)
	}
	if topic == TopicAutoCreate || notSendable[topic] {
		return fmt.Errorf("topic %q is a system topic: %w", topic, ErrBadRequest)
	}
	return nil
}

// handleCreateTopic serves UPDATE_AND_CREATE_TOPIC (17) and registers the
// change with the NameServers.
func (b *Broker) handleCreateTopic(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.CreateTopicRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	if err := checkAdminTopic(h.Topic); err != nil {
		b.replyError(c, req, err)
		return
	}
	if h.ReadQueueNums <= 0 || h.WriteQueueNums <= 0 || h.ReadQueueNums > 1024 || h.WriteQueueNums > 1024 {
		b.replyError(c, req, fmt.Errorf("topic %s: queue numbers %d/%d: %w", h.Topic, h.ReadQueueNums, h.WriteQueueNums, ErrBadRequest))
		return
	}
	filter := protocol.TopicFilterSingleTag
	if h.TopicFilterType == protocol.TopicFilterMultiTag {
		filter = protocol.TopicFilterMultiTag
	}
	tc := protocol.TopicConfig{TopicName: string([]byte(h.Topic)), ReadQueueNums: h.ReadQueueNums, WriteQueueNums: h.WriteQueueNums,
		Perm: h.Perm, TopicFilterType: filter, TopicSysFlag: h.TopicSysFlag, Order: h.Order}
	if b.topics.put(tc) {
		b.log.Info("topic created or updated", "topic", tc.TopicName, "read", tc.ReadQueueNums, "write", tc.WriteQueueNums, "perm", tc.Perm)
		b.triggerRegister()
	}
	b.reply(c, req, protocol.RespSuccess, "", nil)
}

// handleDeleteTopic serves DELETE_TOPIC_IN_BROKER (215). The topic's stored
// messages stay until retention removes them.
func (b *Broker) handleDeleteTopic(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.DeleteTopicRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	if err := checkAdminTopic(h.Topic); err != nil {
		b.replyError(c, req, err)
		return
	}
	if b.topics.delete(h.Topic) {
		b.offsets.deleteTopic(h.Topic)
		b.log.Info("topic deleted", "topic", h.Topic)
		b.triggerRegister()
	}
	b.reply(c, req, protocol.RespSuccess, "", nil)
}

// handleAllTopicConfig serves GET_ALL_TOPIC_CONFIG (21).
func (b *Broker) handleAllTopicConfig(c *netpoll.Conn, req *protocol.Command) {
	body := b.topics.encode()
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// handleAllGroupConfig serves GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201).
func (b *Broker) handleAllGroupConfig(c *netpoll.Conn, req *protocol.Command) {
	if b.groups.len() == 0 {
		b.reply(c, req, protocol.RespSystemError, "No subscription group in this broker", nil)
		return
	}
	body := b.groups.encode()
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}
