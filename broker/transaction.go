package broker

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// Transaction system topics (J4 TopicValidator, TransactionalMessageUtil).
const (
	TopicTransHalf = "RMQ_SYS_TRANS_HALF_TOPIC"
	TopicTransOp   = "RMQ_SYS_TRANS_OP_HALF_TOPIC"
	// transGroup is the group whose committed offsets record the check
	// service's progress over the half and op queues (J4 CID_RMQ_SYS_TRANS).
	transGroup = "CID_RMQ_SYS_TRANS"
	// opTag marks an op record (J4 TransactionalMessageUtil.REMOVETAG).
	opTag = "d"
)

// Transactional messages (storage-and-features.md §7.3). A send with
// TRAN_MSG=true is stored as a half message in RMQ_SYS_TRANS_HALF_TOPIC
// queue 0, with REAL_TOPIC/REAL_QID and the transaction type reset to NOT
// so that it gets a consume-queue entry there and nowhere else.
// END_TRANSACTION commits it (the real message is appended with type
// COMMIT) or rolls it back; either way an op record whose body is the half
// message's queue offset is appended to RMQ_SYS_TRANS_OP_HALF_TOPIC. The
// check service (txcheck.go) asks a producer of the group about half
// messages that stay unresolved.

// toHalf rewrites a prepared single message into its half message: topic,
// queue, REAL_TOPIC/REAL_QID and __transactionId__ into op.props.
func (b *Broker) toHalf(op *sendOp, m *protocol.StoredMessage, props []byte, topic string) {
	op.props = protocol.AppendProperty(op.props, protocol.PropertyRealTopic, topic)
	op.props = append(op.props, protocol.PropertyRealQueueID...)
	op.props = append(op.props, protocol.NameValueSeparator)
	op.props = appendInt(op.props, int64(m.QueueID))
	op.props = append(op.props, protocol.PropertySeparator)
	if _, ok := protocol.PropertyValue(props, protocol.PropertyTransactionID); !ok {
		if u, ok := protocol.PropertyValue(props, protocol.PropertyUniqKey); ok {
			op.props = append(op.props, protocol.PropertyTransactionID...)
			op.props = append(op.props, protocol.NameValueSeparator)
			op.props = append(op.props, u...)
			op.props = append(op.props, protocol.PropertySeparator)
		}
	}
	m.Topic, m.QueueID = bytesOf(TopicTransHalf), 0
	m.SysFlag &^= protocol.SysFlagTransactionMask
}

// handleEndTransaction serves END_TRANSACTION (37). Commit (8) and rollback
// (12) are answered once done; any other value gets no answer and leaves the
// half message to the check service (J4 EndTransactionProcessor).
func (b *Broker) handleEndTransaction(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.EndTransactionRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	if h.CommitOrRollback != protocol.TransactionCommitType && h.CommitOrRollback != protocol.TransactionRollbackType {
		return
	}
	h.ProducerGroup, h.MsgID, h.TransactionID = strings.Clone(h.ProducerGroup), strings.Clone(h.MsgID), strings.Clone(h.TransactionID)
	to := c.Defer(req)
	b.inflight.Add(1)
	b.offload(func() { b.endTransaction(to, &h) })
}

// endTransaction checks the half message and commits or rolls it back.
func (b *Broker) endTransaction(to netpoll.ReplyTo, h *protocol.EndTransactionRequestHeader) {
	v, m, err := b.readHalf(h)
	if err != nil {
		b.sendDone()
		b.replyLater(to, protocol.RespSystemError, err.Error(), nil)
		return
	}
	defer v.Release()
	if h.CommitOrRollback == protocol.TransactionRollbackType {
		b.appendOp(m.QueueOffset)
		b.sendDone()
		b.replyLater(to, protocol.RespSuccess, "", nil)
		return
	}
	out, err := b.committed(m, h.CommitLogOffset)
	if err != nil {
		b.sendDone()
		b.replyLater(to, protocol.RespSystemError, err.Error(), nil)
		return
	}
	half := m.QueueOffset
	n := int64(out.Size())
	b.backlog.add(n)
	err = b.clog.Append(&out, func(err error) {
		b.backlog.done(n)
		defer b.sendDone()
		if err != nil && !errors.Is(err, mmapstore.ErrFlushTimeout) {
			b.replyLater(to, respCode(err), err.Error(), nil)
			return
		}
		b.appendOp(half)
		b.replyLater(to, protocol.RespSuccess, "", nil)
	})
	if err != nil {
		b.backlog.done(n)
		b.sendDone()
		b.replyErrorLater(to, fmt.Errorf("commit transaction: %w", err))
	}
}

// readHalf loads the half message END_TRANSACTION names and checks it
// against the request (J4 checkPrepareMessage).
func (b *Broker) readHalf(h *protocol.EndTransactionRequestHeader) (mmapstore.View, *protocol.StoredMessage, error) {
	v, err := b.clog.Read(h.CommitLogOffset)
	if err != nil {
		return v, nil, fmt.Errorf("Find prepared transaction message failed: %w", err)
	}
	m := new(protocol.StoredMessage)
	if err := protocol.DecodeStoredMessage(v.Bytes(), m); err != nil || string(m.Topic) != TopicTransHalf {
		v.Release()
		return mmapstore.View{}, nil, errors.New("Find prepared transaction message failed")
	}
	pg, _ := protocol.PropertyValue(m.Properties, protocol.PropertyProducerGroup)
	switch {
	case string(pg) != h.ProducerGroup:
		err = errors.New("The producer group wrong")
	case m.QueueOffset != h.TranStateTableOffset:
		err = errors.New("The transaction state table offset wrong")
	case m.PhysicalOffset != h.CommitLogOffset:
		err = errors.New("The commit log offset wrong")
	}
	if err != nil {
		v.Release()
		return mmapstore.View{}, nil, err
	}
	return v, m, nil
}

// committed builds the real message of a half message: its real topic and
// queue, type COMMIT, the half's commit-log offset as prepared offset.
func (b *Broker) committed(m *protocol.StoredMessage, halfOffset int64) (protocol.StoredMessage, error) {
	topic, ok := protocol.PropertyValue(m.Properties, protocol.PropertyRealTopic)
	qidText, ok2 := protocol.PropertyValue(m.Properties, protocol.PropertyRealQueueID)
	qid, ok3 := atoi32(qidText)
	if !ok || !ok2 || !ok3 {
		return protocol.StoredMessage{}, errors.New("half message without REAL_TOPIC/REAL_QID")
	}
	props := appendProps(nil, m.Properties, propsRewrite{drop1: protocol.PropertyRealTopic,
		drop2: protocol.PropertyRealQueueID, drop3: protocol.PropertyTransactionPrepared})
	return protocol.StoredMessage{QueueID: qid, Flag: m.Flag,
		SysFlag:       m.SysFlag&^(protocol.SysFlagTransactionMask|protocol.SysFlagStoreHostV6) | protocol.SysFlagTransactionCommit | b.hostFlags,
		BornTimestamp: m.BornTimestamp, BornHost: m.BornHost, StoreHost: b.storeHost, ReconsumeTimes: m.ReconsumeTimes,
		PreparedTransactionOffset: halfOffset, Body: m.Body, Topic: []byte(string(topic)), Properties: props}, nil
}

// appendOp records that the half message at halfQueueOffset is resolved.
func (b *Broker) appendOp(halfQueueOffset int64) {
	flags := b.hostFlags
	if flags != 0 {
		flags |= protocol.SysFlagBornHostV6
	}
	m := protocol.StoredMessage{Topic: []byte(TopicTransOp), StoreHost: b.storeHost, SysFlag: flags,
		BornHost: b.storeHost, BornTimestamp: time.Now().UnixMilli(), Body: []byte(itoa(halfQueueOffset)),
		Properties: protocol.AppendProperty(nil, protocol.PropertyTags, opTag)}
	n := int64(m.Size())
	b.backlog.add(n)
	if err := b.clog.Append(&m, func(error) { b.backlog.done(n) }); err != nil {
		b.backlog.done(n)
		b.log.Error("append transaction op record", "halfOffset", halfQueueOffset, "err", err)
	}
}
