package protocol

// Headers of requests a broker sends to a client, or forwards to it for an
// admin tool (wire-protocol.md §7.3–7.6). Decoded strings alias the Command.

// ResetOffsetRequestHeader is RESET_CONSUMER_CLIENT_OFFSET (220); the body
// is a ResetOffsetBody.
type ResetOffsetRequestHeader struct {
	Topic     string // required
	Group     string // required
	Timestamp int64  // required, ms
	IsForce   bool   // J4 declares it; Broker2Client does not set it
}

// Decode reads the header.
func (h *ResetOffsetRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "ResetOffsetRequestHeader"}
	h.Topic = r.str("topic", true)
	h.Group = r.str("group", true)
	h.Timestamp = r.i64("timestamp", true)
	h.IsForce = r.boolean("isForce")
	return r.err
}

// Encode adds the fields to c (isForce only when set).
func (h *ResetOffsetRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
	c.AddExtField("group", h.Group)
	c.AddExtFieldInt("timestamp", h.Timestamp)
	if h.IsForce {
		c.AddExtFieldBool("isForce", true)
	}
}

// GetConsumerStatusRequestHeader is GET_CONSUMER_STATUS_FROM_CLIENT (221).
type GetConsumerStatusRequestHeader struct {
	Topic      string // required
	Group      string // required
	ClientAddr string // optional
}

// Decode reads the header.
func (h *GetConsumerStatusRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "GetConsumerStatusRequestHeader"}
	h.Topic = r.str("topic", true)
	h.Group = r.str("group", true)
	h.ClientAddr = r.str("clientAddr", false)
	return r.err
}

// Encode adds the fields to c.
func (h *GetConsumerStatusRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
	c.AddExtField("group", h.Group)
	putStr(c, "clientAddr", h.ClientAddr)
}

// GetConsumerRunningInfoRequestHeader is GET_CONSUMER_RUNNING_INFO (307).
type GetConsumerRunningInfoRequestHeader struct {
	ConsumerGroup string // required
	ClientID      string // required ("clientId")
	JstackEnable  bool
}

// Decode reads the header.
func (h *GetConsumerRunningInfoRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "GetConsumerRunningInfoRequestHeader"}
	h.ConsumerGroup = r.str("consumerGroup", true)
	h.ClientID = r.str("clientId", true)
	h.JstackEnable = r.boolean("jstackEnable")
	return r.err
}

// Encode adds the fields to c.
func (h *GetConsumerRunningInfoRequestHeader) Encode(c *Command) {
	c.AddExtField("consumerGroup", h.ConsumerGroup)
	c.AddExtField("clientId", h.ClientID)
	c.AddExtFieldBool("jstackEnable", h.JstackEnable)
}

// ConsumeMessageDirectlyRequestHeader is CONSUME_MESSAGE_DIRECTLY (309)
// (J4 ConsumeMessageDirectlyResultRequestHeader). The body forwarded to the
// client must hold one stored message: the Go client panics on an empty one.
type ConsumeMessageDirectlyRequestHeader struct {
	ConsumerGroup string // required
	ClientID      string // optional ("clientId")
	MsgID         string // optional: offset message id
	BrokerName    string // optional
}

// Decode reads the header.
func (h *ConsumeMessageDirectlyRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "ConsumeMessageDirectlyRequestHeader"}
	h.ConsumerGroup = r.str("consumerGroup", true)
	h.ClientID = r.str("clientId", false)
	h.MsgID = r.str("msgId", false)
	h.BrokerName = r.str("brokerName", false)
	return r.err
}

// Encode adds the fields to c.
func (h *ConsumeMessageDirectlyRequestHeader) Encode(c *Command) {
	c.AddExtField("consumerGroup", h.ConsumerGroup)
	putStr(c, "clientId", h.ClientID)
	putStr(c, "msgId", h.MsgID)
	putStr(c, "brokerName", h.BrokerName)
}
