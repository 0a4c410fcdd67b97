package broker

import (
	"fmt"

	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// handleQueryOffset serves QUERY_CONSUMER_OFFSET (14): the committed offset;
// with none, 0 while the queue still starts at 0 and its first message is
// likely in memory (a new group then reads from the start, J4
// ConsumerManageProcessor), else QUERY_NOT_FOUND so the client applies
// consumeFromWhere.
func (b *Broker) handleQueryOffset(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.QueryConsumerOffsetRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	off := b.offsets.get(h.ConsumerGroup, h.Topic, h.QueueID)
	if off < 0 {
		q := b.store.Queue(h.Topic, h.QueueID)
		if q != nil && (q.MinOffset() > 0 || b.isCold(&pullArgs{topic: h.Topic, queueID: h.QueueID})) {
			b.reply(c, req, protocol.RespQueryNotFound, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first", nil)
			return
		}
		off = 0
	}
	b.replyOffset(c, req, off)
}

// handleUpdateOffset serves UPDATE_CONSUMER_OFFSET (15).
func (b *Broker) handleUpdateOffset(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.UpdateConsumerOffsetRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	b.offsets.commit(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset)
	b.reply(c, req, protocol.RespSuccess, "", nil)
}

// queueOf decodes a {topic, queueId} header and finds the queue (nil when
// it never had a message).
func (b *Broker) queueOf(req *protocol.Command) (*index.ConsumeQueue, error) {
	var h protocol.QueueRequestHeader
	if err := h.Decode(req); err != nil {
		return nil, err
	}
	return b.store.Queue(h.Topic, h.QueueID), nil
}

// handleMaxOffset serves GET_MAX_OFFSET (30): the next offset to be written.
func (b *Broker) handleMaxOffset(c *netpoll.Conn, req *protocol.Command) {
	q, err := b.queueOf(req)
	if err != nil {
		b.replyError(c, req, err)
		return
	}
	var off int64
	if q != nil {
		off = q.MaxOffset()
	}
	b.replyOffset(c, req, off)
}

// handleMinOffset serves GET_MIN_OFFSET (31).
func (b *Broker) handleMinOffset(c *netpoll.Conn, req *protocol.Command) {
	q, err := b.queueOf(req)
	if err != nil {
		b.replyError(c, req, err)
		return
	}
	var off int64
	if q != nil {
		off = q.MinOffset()
	}
	b.replyOffset(c, req, off)
}

// handleSearchOffset serves SEARCH_OFFSET_BY_TIMESTAMP (29): the first
// offset stored at or after the time. The binary search reads store times
// from the commit log, so it runs off the event loop.
func (b *Broker) handleSearchOffset(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.SearchOffsetRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	q, to, ts := b.store.Queue(h.Topic, h.QueueID), c.Defer(req), h.Timestamp
	if q == nil {
		b.replyOffsetLater(to, 0)
		return
	}
	b.offload(func() {
		off, err := q.OffsetByTime(ts, index.BoundaryLower)
		if err != nil {
			b.replyErrorLater(to, fmt.Errorf("search offset of %s/%d: %w", q.Topic(), q.QueueID(), err))
			return
		}
		b.replyOffsetLater(to, off)
	})
}

// handleEarliestTime serves GET_EARLIEST_MSG_STORETIME (32): the store time
// of the queue's oldest message, read off the event loop.
func (b *Broker) handleEarliestTime(c *netpoll.Conn, req *protocol.Command) {
	q, err := b.queueOf(req)
	if err != nil {
		b.replyError(c, req, err)
		return
	}
	if q == nil || q.MaxOffset() == q.MinOffset() {
		b.reply(c, req, protocol.RespSystemError, "no message in this queue", nil)
		return
	}
	to := c.Defer(req)
	b.offload(func() {
		ts, err := b.storeTimeAt(q, q.MinOffset())
		if err != nil {
			b.replyErrorLater(to, err)
			return
		}
		b.replyLater(to, protocol.RespSuccess, "", func(r *protocol.Command) {
			(&protocol.GetEarliestMsgStoretimeResponseHeader{Timestamp: ts}).Encode(r)
		})
	})
}

// storeTimeAt reads the store time of the message at a consume-queue offset.
func (b *Broker) storeTimeAt(q *index.ConsumeQueue, cqIndex int64) (int64, error) {
	e, err := q.Entry(cqIndex)
	if err != nil {
		return 0, err
	}
	v, err := b.clog.Read(e.PhyOffset)
	if err != nil {
		return 0, err
	}
	defer v.Release()
	var m protocol.StoredMessage
	if err := protocol.DecodeStoredMessage(v.Bytes(), &m); err != nil {
		return 0, err
	}
	return m.StoreTimestamp, nil
}

func (b *Broker) replyOffsetLater(to netpoll.ReplyTo, off int64) {
	b.replyLater(to, protocol.RespSuccess, "", func(r *protocol.Command) {
		(&protocol.OffsetResponseHeader{Offset: off}).Encode(r)
	})
}

func (b *Broker) replyOffset(c *netpoll.Conn, req *protocol.Command, off int64) {
	b.reply(c, req, protocol.RespSuccess, "", func(r *protocol.Command) {
		(&protocol.OffsetResponseHeader{Offset: off}).Encode(r)
	})
}
