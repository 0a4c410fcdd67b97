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
//
// Lifetime: the messages alias body (Body, capped so an append copies) and
// each other (Topic, hosts), so body must be memory that nobody changes
// or reuses afterwards: a response frame from netpoll's client reader is
// (readSlab never hands memory out twice). A message kept by the user
// keeps its batch's body and MessageExt array alive.
func decodeMessages(body []byte, mq MessageQueue) ([]*MessageExt, error) {
	n := countRecords(body)
	if n == 0 {
		n = 1 // the first record is short or bad: decode it for its error
	}
	d := messageDecoder{mq: mq, exts: make([]MessageExt, n)}
	out := make([]*MessageExt, 0, n)
	var sm protocol.StoredMessage
	for len(body) > 0 {
		if err := protocol.DecodeStoredMessage(body, &sm); err != nil {
			return out, err
		}
		m, err := d.next(&sm)
		if err != nil {
			return out, err
		}
		out = append(out, m)
		body = body[sm.TotalSize:]
	}
	return out, nil
}

// countRecords counts the records whose headers fit back to back in body.
func countRecords(body []byte) int {
	n := 0
	for {
		size, _, ok := protocol.PeekRecordHeader(body)
		if !ok || size <= 0 || int64(size) > int64(len(body)) {
			return n
		}
		n++
		body = body[size:]
	}
}

// messageDecoder turns one pull body's records into MessageExts, sharing
// what the records of a pull have in common (topic, hosts) as one string.
type messageDecoder struct {
	mq   MessageQueue
	exts []MessageExt // unused tail of the batch's MessageExts
	// topic, bornHost and storeHost are the previous record's strings,
	// reused while the next record's bytes are the same.
	topic               string
	bornRaw, storeRaw   [20]byte
	bornLen, storeLen   int
	bornHost, storeHost string
	scratch             []byte // properties + offset id of one record; copied
}

// next decodes sm into the batch's next MessageExt.
func (d *messageDecoder) next(sm *protocol.StoredMessage) (*MessageExt, error) {
	var m *MessageExt
	if len(d.exts) > 0 {
		m, d.exts = &d.exts[0], d.exts[1:]
	} else {
		m = new(MessageExt)
	}
	topic := d.topicOf(sm.Topic)
	*m = MessageExt{
		Topic:           topic,
		Queue:           MessageQueue{Topic: topic, BrokerName: d.mq.BrokerName, QueueID: sm.QueueID},
		QueueOffset:     sm.QueueOffset,
		CommitLogOffset: sm.PhysicalOffset,
		BornTimestamp:   time.UnixMilli(sm.BornTimestamp),
		StoreTimestamp:  time.UnixMilli(sm.StoreTimestamp),
		ReconsumeTimes:  sm.ReconsumeTimes,
		SysFlag:         sm.SysFlag,
		Flag:            sm.Flag,
		BodyCRC:         sm.BodyCRC,
	}
	if sm.SysFlag&protocol.SysFlagCompressed != 0 {
		body, err := inflate(sm.Body)
		if err != nil {
			return nil, err
		}
		m.Body = body
	} else if len(sm.Body) > 0 {
		m.Body = sm.Body[:len(sm.Body):len(sm.Body)]
	}
	d.properties(m, sm)
	m.BornHost = cachedHost(sm.BornHost, &d.bornRaw, &d.bornLen, &d.bornHost)
	m.StoreHost = cachedHost(sm.StoreHost, &d.storeRaw, &d.storeLen, &d.storeHost)
	return m, nil
}

// topicOf returns b as a string: the pull's topic or the previous
// record's when the bytes match (all records of a pull are one queue's).
func (d *messageDecoder) topicOf(b []byte) string {
	switch {
	case string(b) == d.mq.Topic:
		return d.mq.Topic
	case string(b) != d.topic:
		d.topic = string(b)
	}
	return d.topic
}

// properties fills the properties map and what derives from it (Tags,
// Keys, MsgID, the retry topic) and OffsetMsgID. The record's properties
// and its offset id become one string; names and values are substrings.
func (d *messageDecoder) properties(m *MessageExt, sm *protocol.StoredMessage) {
	d.scratch = append(d.scratch[:0], sm.Properties...)
	d.scratch = protocol.AppendOffsetMsgID(d.scratch, sm.StoreHost, sm.PhysicalOffset)
	s := string(d.scratch)
	props := s[:len(sm.Properties)]
	m.OffsetMsgID = s[len(sm.Properties):]
	// Room for every pair plus MIN_OFFSET and MAX_OFFSET, added by pull.
	m.Properties = make(map[string]string, strings.Count(props, propertySeparator)+3)
	for len(props) > 0 {
		pair := props
		if i := strings.IndexByte(props, protocol.PropertySeparator); i >= 0 {
			pair, props = props[:i], props[i+1:]
		} else {
			props = ""
		}
		if name, value, ok := strings.Cut(pair, nameValueSeparator); ok {
			m.Properties[name] = value
		}
	}
	m.Tags = m.Properties[protocol.PropertyTags]
	if k := m.Properties[protocol.PropertyKeys]; k != "" {
		m.Keys = strings.Fields(k)
	}
	m.MsgID = m.Properties[protocol.PropertyUniqKey]
	if m.MsgID == "" {
		m.MsgID = m.OffsetMsgID
	}
	// A retried message comes back on %RETRY%<group>: give the handler the
	// topic it was first sent to, as RocketMQ's clients do.
	if rt := m.Properties[protocol.PropertyRetryTopic]; rt != "" {
		m.Topic = rt
	}
}

const (
	propertySeparator  = string(rune(protocol.PropertySeparator))
	nameValueSeparator = string(rune(protocol.NameValueSeparator))
)

// cachedHost returns host h as "ip:port", reusing *str while h equals the
// previous host *raw[:*n]; "" when h is not a stored host.
func cachedHost(h []byte, raw *[20]byte, n *int, str *string) string {
	if *n > 0 && string(h) == string(raw[:*n]) {
		return *str
	}
	ap, err := protocol.HostAddrPort(h)
	if err != nil {
		return ""
	}
	*n = copy(raw[:], h)
	*str = ap.String()
	return *str
}
