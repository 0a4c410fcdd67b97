package protocol

// Client-management, transaction and retry headers (wire-protocol.md §6.2,
// §6.7, §6.10, §6.11, §7.1, §7.2). Decoded strings alias the Command.

// GetConsumerListByGroupRequestHeader is GET_CONSUMER_LIST_BY_GROUP (38).
type GetConsumerListByGroupRequestHeader struct {
	ConsumerGroup string
}

// Decode reads the header; consumerGroup is required.
func (h *GetConsumerListByGroupRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "GetConsumerListByGroupRequestHeader"}
	h.ConsumerGroup = r.str("consumerGroup", true)
	return r.err
}

// Encode adds the field to c.
func (h *GetConsumerListByGroupRequestHeader) Encode(c *Command) {
	c.AddExtField("consumerGroup", h.ConsumerGroup)
}

// NotifyConsumerIdsChangedRequestHeader is NOTIFY_CONSUMER_IDS_CHANGED (40),
// broker to client.
type NotifyConsumerIdsChangedRequestHeader struct {
	ConsumerGroup string
}

// Decode reads the header; consumerGroup is required.
func (h *NotifyConsumerIdsChangedRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "NotifyConsumerIdsChangedRequestHeader"}
	h.ConsumerGroup = r.str("consumerGroup", true)
	return r.err
}

// Encode adds the field to c.
func (h *NotifyConsumerIdsChangedRequestHeader) Encode(c *Command) {
	c.AddExtField("consumerGroup", h.ConsumerGroup)
}

// UnregisterClientRequestHeader is UNREGISTER_CLIENT (35); Java clients
// send it at shutdown, the Go client never does.
type UnregisterClientRequestHeader struct {
	ClientID      string // required
	ProducerGroup string // optional
	ConsumerGroup string // optional
}

// Decode reads the header.
func (h *UnregisterClientRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "UnregisterClientRequestHeader"}
	h.ClientID = r.str("clientID", true)
	h.ProducerGroup = r.str("producerGroup", false)
	h.ConsumerGroup = r.str("consumerGroup", false)
	return r.err
}

// Encode adds the fields to c.
func (h *UnregisterClientRequestHeader) Encode(c *Command) {
	c.AddExtField("clientID", h.ClientID)
	putStr(c, "producerGroup", h.ProducerGroup)
	putStr(c, "consumerGroup", h.ConsumerGroup)
}

// ConsumerSendMsgBackRequestHeader is CONSUMER_SEND_MSG_BACK (36).
type ConsumerSendMsgBackRequestHeader struct {
	Offset      int64  // required: commit-log offset of the failed message
	Group       string // required
	DelayLevel  int32  // required; < 0 sends the message to the DLQ
	OriginMsgID string // optional
	OriginTopic string // optional
	UnitMode    bool
	// MaxReconsumeTimes counts only when HasMaxReconsumeTimes.
	MaxReconsumeTimes    int32
	HasMaxReconsumeTimes bool
}

// Decode reads the header.
func (h *ConsumerSendMsgBackRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "ConsumerSendMsgBackRequestHeader"}
	h.Offset = r.i64("offset", true)
	h.Group = r.str("group", true)
	h.DelayLevel = r.i32("delayLevel", true)
	h.OriginMsgID = r.str("originMsgId", false)
	h.OriginTopic = r.str("originTopic", false)
	h.UnitMode = r.boolean("unitMode")
	h.MaxReconsumeTimes, h.HasMaxReconsumeTimes = r.optI32("maxReconsumeTimes")
	return r.err
}

// Encode adds the fields to c.
func (h *ConsumerSendMsgBackRequestHeader) Encode(c *Command) {
	c.AddExtFieldInt("offset", h.Offset)
	c.AddExtField("group", h.Group)
	c.AddExtFieldInt("delayLevel", int64(h.DelayLevel))
	putStr(c, "originMsgId", h.OriginMsgID)
	putStr(c, "originTopic", h.OriginTopic)
	c.AddExtFieldBool("unitMode", h.UnitMode)
	if h.HasMaxReconsumeTimes {
		c.AddExtFieldInt("maxReconsumeTimes", int64(h.MaxReconsumeTimes))
	}
}

// Transaction states of END_TRANSACTION's commitOrRollback (J4
// MessageSysFlag). Wire values.
const (
	TransactionNotType      int32 = 0
	TransactionPreparedType int32 = 1 << 2
	TransactionCommitType   int32 = 2 << 2
	TransactionRollbackType int32 = 3 << 2
)

// EndTransactionRequestHeader is END_TRANSACTION (37).
type EndTransactionRequestHeader struct {
	ProducerGroup        string // required
	TranStateTableOffset int64  // required
	CommitLogOffset      int64  // required
	CommitOrRollback     int32  // required: 8 commit, 12 rollback, 0 unknown
	FromTransactionCheck bool
	MsgID                string // required
	TransactionID        string // optional
}

// Decode reads the header.
func (h *EndTransactionRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "EndTransactionRequestHeader"}
	h.ProducerGroup = r.str("producerGroup", true)
	h.TranStateTableOffset = r.i64("tranStateTableOffset", true)
	h.CommitLogOffset = r.i64("commitLogOffset", true)
	h.CommitOrRollback = r.i32("commitOrRollback", true)
	h.FromTransactionCheck = r.boolean("fromTransactionCheck")
	h.MsgID = r.str("msgId", true)
	h.TransactionID = r.str("transactionId", false)
	return r.err
}

// Encode adds the fields to c.
func (h *EndTransactionRequestHeader) Encode(c *Command) {
	c.AddExtField("producerGroup", h.ProducerGroup)
	c.AddExtFieldInt("tranStateTableOffset", h.TranStateTableOffset)
	c.AddExtFieldInt("commitLogOffset", h.CommitLogOffset)
	c.AddExtFieldInt("commitOrRollback", int64(h.CommitOrRollback))
	c.AddExtFieldBool("fromTransactionCheck", h.FromTransactionCheck)
	c.AddExtField("msgId", h.MsgID)
	putStr(c, "transactionId", h.TransactionID)
}

// CheckTransactionStateRequestHeader is CHECK_TRANSACTION_STATE (39),
// broker to producer.
type CheckTransactionStateRequestHeader struct {
	TranStateTableOffset int64  // required
	CommitLogOffset      int64  // required
	MsgID                string // optional (UNIQ_KEY)
	TransactionID        string // optional
	OffsetMsgID          string // optional
}

// Decode reads the header.
func (h *CheckTransactionStateRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "CheckTransactionStateRequestHeader"}
	h.TranStateTableOffset = r.i64("tranStateTableOffset", true)
	h.CommitLogOffset = r.i64("commitLogOffset", true)
	h.MsgID = r.str("msgId", false)
	h.TransactionID = r.str("transactionId", false)
	h.OffsetMsgID = r.str("offsetMsgId", false)
	return r.err
}

// Encode adds the fields to c.
func (h *CheckTransactionStateRequestHeader) Encode(c *Command) {
	c.AddExtFieldInt("tranStateTableOffset", h.TranStateTableOffset)
	c.AddExtFieldInt("commitLogOffset", h.CommitLogOffset)
	putStr(c, "msgId", h.MsgID)
	putStr(c, "transactionId", h.TransactionID)
	putStr(c, "offsetMsgId", h.OffsetMsgID)
}
