package broker

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// handleCreateGroup serves UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200): the
// body is a SubscriptionGroupConfig; absent members take their defaults.
func (b *Broker) handleCreateGroup(c *netpoll.Conn, req *protocol.Command) {
	var probe struct {
		GroupName string `json:"groupName"`
	}
	if err := json.Unmarshal(req.Body, &probe); err != nil || probe.GroupName == "" || !validName(probe.GroupName) {
		b.replyError(c, req, fmt.Errorf("subscription group config %q: %w", req.Body, ErrBadRequest))
		return
	}
	g := defaultGroupConfig(probe.GroupName)
	if err := json.Unmarshal(req.Body, &g); err != nil {
		b.replyError(c, req, fmt.Errorf("subscription group config: %w: %w", ErrBadRequest, err))
		return
	}
	b.groups.put(g)
	b.log.Info("subscription group created or updated", "group", g.GroupName)
	b.reply(c, req, protocol.RespSuccess, "", nil)
}

// handleDeleteGroup serves DELETE_SUBSCRIPTIONGROUP (207), ext groupName.
func (b *Broker) handleDeleteGroup(c *netpoll.Conn, req *protocol.Command) {
	name, _ := req.ExtField("groupName")
	if name == "" {
		b.replyError(c, req, fmt.Errorf("groupName missing: %w", ErrBadRequest))
		return
	}
	if b.groups.delete(name) {
		b.log.Info("subscription group deleted", "group", name)
	}
	b.reply(c, req, protocol.RespSuccess, "", nil)
}

// handleAllConsumerOffsets serves GET_ALL_CONSUMER_OFFSET (43): the body of
// consumerOffset.json.
func (b *Broker) handleAllConsumerOffsets(c *netpoll.Conn, req *protocol.Command) {
	body := b.offsets.encode()
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// handleAllDelayOffsets serves GET_ALL_DELAY_OFFSET (45): the body of
// delayOffset.json.
func (b *Broker) handleAllDelayOffsets(c *netpoll.Conn, req *protocol.Command) {
	body := b.sched.encode()
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// handleTopicNames serves GET_TOPIC_NAME_LIST (23): the broker's topic
// names as a TopicList.
func (b *Broker) handleTopicNames(c *netpoll.Conn, req *protocol.Command) {
	w := b.topics.wrapper()
	names := make([]string, 0, len(w.TopicConfigTable))
	for name := range w.TopicConfigTable {
		names = append(names, name)
	}
	sort.Strings(names)
	body := protocol.AppendTopicList(nil, &protocol.TopicList{Topics: names})
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// handleBrokerConfig serves GET_BROKER_CONFIG (26): the effective
// configuration as properties text (key=value lines).
func (b *Broker) handleBrokerConfig(c *netpoll.Conn, req *protocol.Command) {
	var sb strings.Builder
	for _, kv := range b.configLines() {
		sb.WriteString(kv[0])
		sb.WriteByte('=')
		sb.WriteString(kv[1])
		sb.WriteByte('\n')
	}
	body := []byte(sb.String())
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
}

// configLines lists the main broker.conf keys with their effective values.
func (b *Broker) configLines() [][2]string {
	c := &b.cfg
	return [][2]string{{"brokerClusterName", c.BrokerClusterName}, {"brokerName", c.BrokerName},
		{"brokerId", itoa(c.BrokerID)}, {"brokerIP1", c.BrokerIP1}, {"listenPort", itoa(int64(b.ap.Port()))},
		{"namesrvAddr", strings.Join(c.NamesrvAddrs, ";")}, {"storePathRootDir", c.StorePathRootDir},
		{"storePathCommitLog", c.StorePathCommitLog}, {"flushDiskType", flushName(c.FlushDiskType)},
		{"mappedFileSizeCommitLog", itoa(c.MappedFileSizeCommitLog)}, {"maxMessageSize", itoa(int64(c.MaxMessageSize))},
		{"defaultTopicQueueNums", itoa(int64(c.DefaultTopicQueueNums))}, {"messageDelayLevel", c.MessageDelayLevel},
		{"autoCreateTopicEnable", fmt.Sprint(!c.DisableAutoCreateTopic)},
		{"autoCreateSubscriptionGroup", fmt.Sprint(!c.DisableAutoCreateSubscriptionGroup)},
		{"enablePropertyFilter", fmt.Sprint(c.EnablePropertyFilter)}, {"deleteWhen", c.DeleteWhen},
		{"fileReservedTime", itoa(int64(c.FileReservedTime.Hours()))}}
}
