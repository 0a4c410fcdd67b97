package broker

import (
	"fmt"
	"strings"

	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// handleResetOffset serves INVOKE_BROKER_TO_RESET_OFFSET (222), sent by
// admin tools: every queue of the topic gets the offset of the first message
// stored at or after the timestamp (-1: the end); without isForce an offset
// only moves backwards. The new offsets are committed for the group and sent
// to its online clients as RESET_CONSUMER_CLIENT_OFFSET (220), and returned
// as the reply body (J4 Broker2Client.resetOffset,
// storage-and-features.md §7.7). The lookups read the log, so they run off
// the event loop.
func (b *Broker) handleResetOffset(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.ResetOffsetRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	tc, ok := b.topics.get(h.Topic)
	if !ok {
		b.replyError(c, req, fmt.Errorf("topic[%s] not exist: %w", h.Topic, ErrTopicNotExist))
		return
	}
	topic, group, ts, force := strings.Clone(h.Topic), strings.Clone(h.Group), h.Timestamp, h.IsForce
	to := c.Defer(req)
	b.offload(func() {
		table, err := b.resetOffsets(topic, group, tc.ReadQueueNums, ts, force)
		if err != nil {
			b.replyErrorLater(to, err)
			return
		}
		body := protocol.AppendResetOffsetBody(nil, &protocol.ResetOffsetBody{OffsetTable: table})
		b.tellReset(topic, group, ts, body)
		b.replyLater(to, protocol.RespSuccess, "", func(r *protocol.Command) { r.Body = body })
	})
}

// resetOffsets computes and commits the group's new offsets.
func (b *Broker) resetOffsets(topic, group string, queues int32, ts int64, force bool) ([]protocol.QueueOffset, error) {
	table := make([]protocol.QueueOffset, 0, queues)
	for qid := int32(0); qid < queues; qid++ {
		var off int64
		if q := b.store.Queue(topic, qid); q != nil {
			off = q.MaxOffset()
			if ts >= 0 {
				var err error
				if off, err = q.OffsetByTime(ts, index.BoundaryLower); err != nil {
					return nil, fmt.Errorf("reset offset of %s/%d: %w", topic, qid, err)
				}
			}
		}
		if cur := b.offsets.get(group, topic, qid); !force && cur >= 0 && off > cur {
			off = cur
		}
		b.offsets.commit(group, topic, qid, off)
		table = append(table, protocol.QueueOffset{Queue: protocol.MessageQueue{Topic: topic, BrokerName: b.cfg.BrokerName, QueueID: qid}, Offset: off})
	}
	return table, nil
}

// tellReset sends RESET_CONSUMER_CLIENT_OFFSET to every online client of
// the group.
func (b *Broker) tellReset(topic, group string, ts int64, body []byte) {
	for _, conn := range b.clients.conns(group) {
		req := protocol.NewRequest(protocol.ReqResetConsumerClientOffset)
		(&protocol.ResetOffsetRequestHeader{Topic: topic, Group: group, Timestamp: ts}).Encode(req)
		req.Body = body
		if err := conn.Send(req); err != nil {
			b.log.Debug("send reset offset to client", "group", group, "err", err)
		}
	}
}
