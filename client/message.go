package client

import (
	"strconv"
	"strings"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// MessageQueue names one queue of a topic on one broker group.
type MessageQueue = protocol.MessageQueue

// Message is what a producer sends. The producer only reads it: Body and
// the strings must stay unchanged until the send returns (for SendAsync,
// until its callback runs).
type Message struct {
	Topic string
	Body  []byte
	// Tags is the message's tag, used by consumers' tag expressions.
	Tags string
	// Keys are indexed by the broker (query by key); joined with spaces.
	Keys []string
	// DelayLevel > 0 delays delivery (level 1..18: 1s 5s 10s 30s 1m ...).
	DelayLevel int
	// ShardingKey picks the queue for ordered messages (HashSelector).
	ShardingKey string
	// Flag is an application-defined integer stored with the message.
	Flag int32
	// Properties are user properties; names must not contain \x01 or \x02.
	Properties map[string]string
}

// MessageExt is a received message. Every field owns its memory.
type MessageExt struct {
	Topic           string
	Body            []byte
	Tags            string
	Keys            []string
	Properties      map[string]string
	Queue           MessageQueue
	QueueOffset     int64
	CommitLogOffset int64
	// MsgID is the producer's UNIQ_KEY, or OffsetMsgID when there is none.
	MsgID          string
	OffsetMsgID    string
	BornTimestamp  time.Time
	StoreTimestamp time.Time
	BornHost       string
	StoreHost      string
	ReconsumeTimes int32
	SysFlag        int32
	Flag           int32
	BodyCRC        int32
}

// Property returns a user or system property of the message.
func (m *MessageExt) Property(name string) string { return m.Properties[name] }

// SendStatus is how a broker stored a message.
type SendStatus uint8

// Send statuses: the message is stored in every case; the three last say
// that a durability promise was not met in time.
const (
	SendOK SendStatus = iota
	SendFlushDiskTimeout
	SendFlushSlaveTimeout
	SendSlaveNotAvailable
)

func (s SendStatus) String() string {
	switch s {
	case SendOK:
		return "SEND_OK"
	case SendFlushDiskTimeout:
		return "FLUSH_DISK_TIMEOUT"
	case SendFlushSlaveTimeout:
		return "FLUSH_SLAVE_TIMEOUT"
	case SendSlaveNotAvailable:
		return "SLAVE_NOT_AVAILABLE"
	}
	return "SEND_STATUS_" + strconv.Itoa(int(s))
}

// SendResult is a broker's answer to a stored send.
type SendResult struct {
	Status SendStatus
	// MsgID is the message's UNIQ_KEY (for a batch, the first message's;
	// see BatchIDs).
	MsgID UniqID
	// OffsetMsgID is the broker's offset id (a batch: ids joined by ",").
	OffsetMsgID string
	Queue       MessageQueue
	QueueOffset int64
	RegionID    string
	TraceOn     bool
}

// decodeMessages decodes a pull body (stored records back to back) into
// messages for queue mq. Records that do not decode end the batch.
func decodeMessages(body []byte, mq MessageQueue) ([]*MessageExt, error) {
	var out []*MessageExt
	var sm protocol.StoredMessage
	for len(body) > 0 {
		if err := protocol.DecodeStoredMessage(body, &sm); err != nil {
			return out, err
		}
		m, err := newMessageExt(&sm, mq)
		if err != nil {
			return out, err
		}
		out = append(out, m)
		body = body[sm.TotalSize:]
	}
	return out, nil
}

func newMessageExt(sm *protocol.StoredMessage, mq MessageQueue) (*MessageExt, error) {
	m := &MessageExt{
		Topic:           string(sm.Topic),
		Queue:           MessageQueue{Topic: string(sm.Topic), BrokerName: mq.BrokerName, QueueID: sm.QueueID},
		QueueOffset:     sm.QueueOffset,
		CommitLogOffset: sm.PhysicalOffset,
		BornTimestamp:   time.UnixMilli(sm.BornTimestamp),
		StoreTimestamp:  time.UnixMilli(sm.StoreTimestamp),
		ReconsumeTimes:  sm.ReconsumeTimes,
		SysFlag:         sm.SysFlag,
		Flag:            sm.Flag,
		BodyCRC:         sm.BodyCRC,
		Properties:      make(map[string]string),
	}
	if sm.SysFlag&protocol.SysFlagCompressed != 0 {
		body, err := inflate(sm.Body)
		if err != nil {
			return nil, err
		}
		m.Body = body
	} else {
		m.Body = append([]byte(nil), sm.Body...)
	}
	protocol.ForEachProperty(sm.Properties, func(name, value []byte) bool {
		m.Properties[string(name)] = string(value)
		return true
	})
	m.Tags = m.Properties[protocol.PropertyTags]
	if k := m.Properties[protocol.PropertyKeys]; k != "" {
		m.Keys = strings.Fields(k)
	}
	if ap, err := protocol.HostAddrPort(sm.BornHost); err == nil {
		m.BornHost = ap.String()
	}
	if ap, err := protocol.HostAddrPort(sm.StoreHost); err == nil {
		m.StoreHost = ap.String()
	}
	m.OffsetMsgID = string(protocol.AppendOffsetMsgID(nil, sm.StoreHost, sm.PhysicalOffset))
	m.MsgID = m.Properties[protocol.PropertyUniqKey]
	if m.MsgID == "" {
		m.MsgID = m.OffsetMsgID
	}
	// A retried message comes back on %RETRY%<group>: give the handler the
	// topic it was first sent to, as RocketMQ's clients do.
	if rt := m.Properties[protocol.PropertyRetryTopic]; rt != "" {
		m.Topic = rt
	}
	return m, nil
}
