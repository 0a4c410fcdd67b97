package protocol

import (
	"math"
	"math/bits"
)

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

// sendFields lists the send-header fields in short-name order a..n; the
// index of a field is its bit in sendRequired and in Decode's masks.
var sendFields = [...]sendField{
	sendProducerGroup, sendTopic, sendDefaultTopic, sendDefaultQueueNums, sendQueueID, sendSysFlag,
	sendBornTimestamp, sendFlag, sendProperties, sendReconsumeTimes, sendUnitMode, sendMaxReconsumeTimes,
	sendBatch, sendBrokerName,
}

// sendRequired marks the required fields a..h.
const sendRequired uint16 = 1<<8 - 1

// sendFieldIndex returns the index in sendFields of key, or -1.
func sendFieldIndex(key string, short bool) int {
	if short {
		if len(key) == 1 && key[0] >= 'a' && key[0] < 'a'+byte(len(sendFields)) {
			return int(key[0] - 'a')
		}
		return -1
	}
	switch key {
	case "producerGroup":
		return 0
	case "topic":
		return 1
	case "defaultTopic":
		return 2
	case "defaultTopicQueueNums":
		return 3
	case "queueId":
		return 4
	case "sysFlag":
		return 5
	case "bornTimestamp":
		return 6
	case "flag":
		return 7
	case "properties":
		return 8
	case "reconsumeTimes":
		return 9
	case "unitMode":
		return 10
	case "maxReconsumeTimes":
		return 11
	case "batch":
		return 12
	case "bname":
		return 13
	}
	return -1
}

// Decode reads the header from c, in the short-name form when c's code
// calls for it (UsesShortSendHeader) and the long-name form otherwise. It
// is the hottest header decoder, so it reads the ext fields in one pass
// instead of looking each field up; the result is the same as the other
// decoders' (the last of repeated keys wins, a required field that is
// absent or empty is ErrMissingField, a malformed one ErrBadField, a
// malformed optional number reads as absent).
func (h *SendMessageRequestHeader) Decode(c *Command) error {
	short := UsesShortSendHeader(RequestCode(c.Code))
	*h = SendMessageRequestHeader{}
	failed := sendRequired // required fields not (yet) read successfully
	var malformed uint16   // of those, the ones whose value did not parse
	for _, f := range c.ext {
		i := sendFieldIndex(f.Key, short)
		if i < 0 {
			continue
		}
		bit := uint16(1) << i
		if h.set(i, f.Value) {
			failed &^= bit
			malformed &^= bit
			continue
		}
		failed |= bit & sendRequired
		malformed &^= bit
		if f.Value != "" {
			malformed |= bit
		}
	}
	if failed == 0 {
		return nil
	}
	i := bits.TrailingZeros16(failed)
	err := &HeaderError{Header: "SendMessageRequestHeader", Field: sendFields[i].long, Err: ErrMissingField}
	if short {
		err.Field = sendFields[i].short
	}
	if malformed&(1<<i) != 0 {
		err.Err = ErrBadField
	}
	return err
}

// set stores v into field i and reports whether it is a usable value: a
// non-empty string, a number in range, any boolean text.
func (h *SendMessageRequestHeader) set(i int, v string) bool {
	switch i {
	case 0:
		h.ProducerGroup = v
	case 1:
		h.Topic = v
	case 2:
		h.DefaultTopic = v
	case 3:
		return setInt32(&h.DefaultTopicQueueNums, v)
	case 4:
		return setInt32(&h.QueueID, v)
	case 5:
		return setInt32(&h.SysFlag, v)
	case 6:
		n, ok := parseInt(stringBytes(v))
		h.BornTimestamp = n
		return ok
	case 7:
		return setInt32(&h.Flag, v)
	case 8:
		h.Properties = v
	case 9:
		return setInt32(&h.ReconsumeTimes, v)
	case 10:
		h.UnitMode = parseBool(stringBytes(v))
		return true
	case 11:
		h.HasMaxReconsumeTimes = setInt32(&h.MaxReconsumeTimes, v)
		return h.HasMaxReconsumeTimes
	case 12:
		h.Batch = parseBool(stringBytes(v))
		return true
	case 13:
		h.BrokerName = v
	}
	return v != ""
}

// setInt32 parses v into *dst (0 when it does not parse or overflows).
func setInt32(dst *int32, v string) bool {
	n, ok := parseInt(stringBytes(v))
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		*dst = 0
		return false
	}
	*dst = int32(n)
	return true
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
