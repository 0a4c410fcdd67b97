package protocol

// SendMessageRequestHeader is the custom header of SEND_MESSAGE (10),
// SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and SEND_REPLY_MESSAGE
// (324/325): J4 common/protocol/header/SendMessageRequestHeader.java and its
// short-name form SendMessageRequestHeaderV2.java (wire-protocol.md §6.3).
// Decoded strings alias the Command (see Command for their lifetime).
type SendMessageRequestHeader struct {
	ProducerGroup         string // required
	Topic                 string // required
	DefaultTopic          string // required (TBW102)
	DefaultTopicQueueNums int32  // required
	QueueID               int32  // required; negative: broker picks one
	SysFlag               int32  // required
	BornTimestamp         int64  // required, ms
	Flag                  int32  // required: the user's message flag
	Properties            string // optional
	ReconsumeTimes        int32  // optional
	UnitMode              bool
	Batch                 bool
	// MaxReconsumeTimes counts only when HasMaxReconsumeTimes (Java Integer,
	// null when absent).
	MaxReconsumeTimes    int32
	HasMaxReconsumeTimes bool
	BrokerName           string // optional ("bname"; not sent by the Go client)
}

// sendField names one send-header field in both forms.
type sendField struct{ long, short string }

// The send-header keys. Wire names; they must never change.
var (
	sendProducerGroup     = sendField{"producerGroup", "a"}
	sendTopic             = sendField{"topic", "b"}
	sendDefaultTopic      = sendField{"defaultTopic", "c"}
	sendDefaultQueueNums  = sendField{"defaultTopicQueueNums", "d"}
	sendQueueID           = sendField{"queueId", "e"}
	sendSysFlag           = sendField{"sysFlag", "f"}
	sendBornTimestamp     = sendField{"bornTimestamp", "g"}
	sendFlag              = sendField{"flag", "h"}
	sendProperties        = sendField{"properties", "i"}
	sendReconsumeTimes    = sendField{"reconsumeTimes", "j"}
	sendUnitMode          = sendField{"unitMode", "k"}
	sendMaxReconsumeTimes = sendField{"maxReconsumeTimes", "l"}
	sendBatch             = sendField{"batch", "m"}
	sendBrokerName        = sendField{"bname", "n"}
)

// UsesShortSendHeader reports whether requests with this code carry the
// short-name (V2) send header: SEND_MESSAGE_V2, SEND_BATCH_MESSAGE and
// SEND_REPLY_MESSAGE_V2 (J4 AbstractSendMessageProcessor.parseRequestHeader,
// ReplyMessageProcessor).
func UsesShortSendHeader(code RequestCode) bool {
	return code == ReqSendMessageV2 || code == ReqSendBatchMessage || code == ReqSendReplyMessageV2
}

// Decode reads the header from c, in the short-name form when c's code
// calls for it (UsesShortSendHeader) and the long-name form otherwise.
func (h *SendMessageRequestHeader) Decode(c *Command) error {
	short := UsesShortSendHeader(RequestCode(c.Code))
	name := func(f sendField) string {
		if short {
			return f.short
		}
		return f.long
	}
	r := extReader{c: c, header: "SendMessageRequestHeader"}
	h.ProducerGroup = r.str(name(sendProducerGroup), true)
	h.Topic = r.str(name(sendTopic), true)
	h.DefaultTopic = r.str(name(sendDefaultTopic), true)
	h.DefaultTopicQueueNums = r.i32(name(sendDefaultQueueNums), true)
	h.QueueID = r.i32(name(sendQueueID), true)
	h.SysFlag = r.i32(name(sendSysFlag), true)
	h.BornTimestamp = r.i64(name(sendBornTimestamp), true)
	h.Flag = r.i32(name(sendFlag), true)
	h.Properties = r.str(name(sendProperties), false)
	h.ReconsumeTimes = r.i32(name(sendReconsumeTimes), false)
	h.UnitMode = r.boolean(name(sendUnitMode))
	h.MaxReconsumeTimes, h.HasMaxReconsumeTimes = r.optI32(name(sendMaxReconsumeTimes))
	h.Batch = r.boolean(name(sendBatch))
	h.BrokerName = r.str(name(sendBrokerName), false)
	return r.err
}

// Encode adds the long-name fields to c (for SEND_MESSAGE and
// SEND_REPLY_MESSAGE).
func (h *SendMessageRequestHeader) Encode(c *Command) { h.encode(c, false) }

// EncodeV2 adds the short-name fields a..n to c (for SEND_MESSAGE_V2 and
// SEND_BATCH_MESSAGE).
func (h *SendMessageRequestHeader) EncodeV2(c *Command) { h.encode(c, true) }

func (h *SendMessageRequestHeader) encode(c *Command, short bool) {
	name := func(f sendField) string {
		if short {
			return f.short
		}
		return f.long
	}
	c.AddExtField(name(sendProducerGroup), h.ProducerGroup)
	c.AddExtField(name(sendTopic), h.Topic)
	c.AddExtField(name(sendDefaultTopic), h.DefaultTopic)
	c.AddExtFieldInt(name(sendDefaultQueueNums), int64(h.DefaultTopicQueueNums))
	c.AddExtFieldInt(name(sendQueueID), int64(h.QueueID))
	c.AddExtFieldInt(name(sendSysFlag), int64(h.SysFlag))
	c.AddExtFieldInt(name(sendBornTimestamp), h.BornTimestamp)
	c.AddExtFieldInt(name(sendFlag), int64(h.Flag))
	putStr(c, name(sendProperties), h.Properties)
	c.AddExtFieldInt(name(sendReconsumeTimes), int64(h.ReconsumeTimes))
	c.AddExtFieldBool(name(sendUnitMode), h.UnitMode)
	if h.HasMaxReconsumeTimes {
		c.AddExtFieldInt(name(sendMaxReconsumeTimes), int64(h.MaxReconsumeTimes))
	}
	c.AddExtFieldBool(name(sendBatch), h.Batch)
	putStr(c, name(sendBrokerName), h.BrokerName)
}

// SendMessageResponseHeader is the custom header of a send reply (J4
// SendMessageResponseHeader plus the MSG_REGION and TRACE_ON fields the
// send processor adds).
type SendMessageResponseHeader struct {
	MsgID         string // offset message id(s); a batch joins them with ","
	QueueID       int32
	QueueOffset   int64
	TransactionID string // optional
	MsgRegion     string // MSG_REGION; the Go client defaults it to DefaultRegion
	TraceOn       bool   // TRACE_ON
}

// Decode reads the reply header; every field is optional (the Go client
// reads missing numbers as 0).
func (h *SendMessageResponseHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "SendMessageResponseHeader"}
	h.MsgID = r.str("msgId", false)
	h.QueueID = r.i32("queueId", false)
	h.QueueOffset = r.i64("queueOffset", false)
	h.TransactionID = r.str("transactionId", false)
	h.MsgRegion = r.str("MSG_REGION", false)
	h.TraceOn = r.boolean("TRACE_ON")
	return r.err
}

// Encode adds the reply fields to c. msgId, queueId and queueOffset are
// written only when MsgID is set (J4 writes them only for a stored message).
func (h *SendMessageResponseHeader) Encode(c *Command) {
	if h.MsgID != "" {
		c.AddExtField("msgId", h.MsgID)
		c.AddExtFieldInt("queueId", int64(h.QueueID))
		c.AddExtFieldInt("queueOffset", h.QueueOffset)
	}
	putStr(c, "transactionId", h.TransactionID)
	putStr(c, "MSG_REGION", h.MsgRegion)
	c.AddExtFieldBool("TRACE_ON", h.TraceOn)
}
