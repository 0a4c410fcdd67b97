package protocol

// Offset RPC headers (wire-protocol.md §6.5–6.8; J4
// common/protocol/header/*Offset*). Decoded strings alias the Command.

// QueryConsumerOffsetRequestHeader is QUERY_CONSUMER_OFFSET (14).
type QueryConsumerOffsetRequestHeader struct {
	ConsumerGroup string
	Topic         string
	QueueID       int32
}

// Decode reads the header; all fields are required.
func (h *QueryConsumerOffsetRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "QueryConsumerOffsetRequestHeader"}
	h.ConsumerGroup = r.str("consumerGroup", true)
	h.Topic = r.str("topic", true)
	h.QueueID = r.i32("queueId", true)
	return r.err
}

// Encode adds the fields to c.
func (h *QueryConsumerOffsetRequestHeader) Encode(c *Command) {
	c.AddExtField("consumerGroup", h.ConsumerGroup)
	c.AddExtField("topic", h.Topic)
	c.AddExtFieldInt("queueId", int64(h.QueueID))
}

// UpdateConsumerOffsetRequestHeader is UPDATE_CONSUMER_OFFSET (15).
type UpdateConsumerOffsetRequestHeader struct {
	ConsumerGroup string
	Topic         string
	QueueID       int32
	CommitOffset  int64
}

// Decode reads the header; all fields are required.
func (h *UpdateConsumerOffsetRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "UpdateConsumerOffsetRequestHeader"}
	h.ConsumerGroup = r.str("consumerGroup", true)
	h.Topic = r.str("topic", true)
	h.QueueID = r.i32("queueId", true)
	h.CommitOffset = r.i64("commitOffset", true)
	return r.err
}

// Encode adds the fields to c.
func (h *UpdateConsumerOffsetRequestHeader) Encode(c *Command) {
	c.AddExtField("consumerGroup", h.ConsumerGroup)
	c.AddExtField("topic", h.Topic)
	c.AddExtFieldInt("queueId", int64(h.QueueID))
	c.AddExtFieldInt("commitOffset", h.CommitOffset)
}

// QueueRequestHeader names one queue: the header of GET_MAX_OFFSET (30),
// GET_MIN_OFFSET (31) and GET_EARLIEST_MSG_STORETIME (32).
type QueueRequestHeader struct {
	Topic   string
	QueueID int32
}

// The Java names of the queue-only request headers.
type (
	GetMaxOffsetRequestHeader            = QueueRequestHeader
	GetMinOffsetRequestHeader            = QueueRequestHeader
	GetEarliestMsgStoretimeRequestHeader = QueueRequestHeader
)

// Decode reads the header; both fields are required.
func (h *QueueRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "QueueRequestHeader"}
	h.Topic = r.str("topic", true)
	h.QueueID = r.i32("queueId", true)
	return r.err
}

// Encode adds the fields to c.
func (h *QueueRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
	c.AddExtFieldInt("queueId", int64(h.QueueID))
}

// SearchOffsetRequestHeader is SEARCH_OFFSET_BY_TIMESTAMP (29).
type SearchOffsetRequestHeader struct {
	Topic     string
	QueueID   int32
	Timestamp int64 // ms
}

// Decode reads the header; all fields are required.
func (h *SearchOffsetRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "SearchOffsetRequestHeader"}
	h.Topic = r.str("topic", true)
	h.QueueID = r.i32("queueId", true)
	h.Timestamp = r.i64("timestamp", true)
	return r.err
}

// Encode adds the fields to c.
func (h *SearchOffsetRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
	c.AddExtFieldInt("queueId", int64(h.QueueID))
	c.AddExtFieldInt("timestamp", h.Timestamp)
}

// OffsetResponseHeader is the reply header {offset} of QUERY_CONSUMER_OFFSET,
// GET_MAX_OFFSET, GET_MIN_OFFSET and SEARCH_OFFSET_BY_TIMESTAMP.
type OffsetResponseHeader struct {
	Offset int64
}

// The Java names of the offset reply headers.
type (
	QueryConsumerOffsetResponseHeader = OffsetResponseHeader
	GetMaxOffsetResponseHeader        = OffsetResponseHeader
	GetMinOffsetResponseHeader        = OffsetResponseHeader
	SearchOffsetResponseHeader        = OffsetResponseHeader
)

// Decode reads the reply header; offset is required.
func (h *OffsetResponseHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "OffsetResponseHeader"}
	h.Offset = r.i64("offset", true)
	return r.err
}

// Encode adds the field to c.
func (h *OffsetResponseHeader) Encode(c *Command) {
	c.AddExtFieldInt("offset", h.Offset)
}

// GetEarliestMsgStoretimeResponseHeader is the reply of
// GET_EARLIEST_MSG_STORETIME.
type GetEarliestMsgStoretimeResponseHeader struct {
	Timestamp int64 // ms
}

// Decode reads the reply header; timestamp is required.
func (h *GetEarliestMsgStoretimeResponseHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "GetEarliestMsgStoretimeResponseHeader"}
	h.Timestamp = r.i64("timestamp", true)
	return r.err
}

// Encode adds the field to c.
func (h *GetEarliestMsgStoretimeResponseHeader) Encode(c *Command) {
	c.AddExtFieldInt("timestamp", h.Timestamp)
}
