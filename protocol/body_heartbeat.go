package protocol

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrBody: a JSON body does not have the shape its RPC needs.
var ErrBody = errors.New("protocol: malformed body")

// Enum names used in heartbeats (J4 common/protocol/heartbeat/*.java).
const (
	ConsumeActively  = "CONSUME_ACTIVELY"  // pull consumer
	ConsumePassively = "CONSUME_PASSIVELY" // push consumer

	MessageModelClustering   = "CLUSTERING"
	MessageModelBroadcasting = "BROADCASTING"

	ConsumeFromLastOffset  = "CONSUME_FROM_LAST_OFFSET"
	ConsumeFromFirstOffset = "CONSUME_FROM_FIRST_OFFSET"
	ConsumeFromTimestamp   = "CONSUME_FROM_TIMESTAMP"

	ExpressionTypeTag   = "TAG"
	ExpressionTypeSQL92 = "SQL92"

	// SubAll is the subscription expression that matches every tag.
	SubAll = "*"
)

// HeartbeatData is the HEART_BEAT (34) request body (J4 HeartbeatData.java,
// wire-protocol.md §6.1). Decoded strings own their memory: the broker keeps
// them in its client tables.
type HeartbeatData struct {
	ClientID        string
	ProducerDataSet []ProducerData
	ConsumerDataSet []ConsumerData
}

// ProducerData is one producer group of a client.
type ProducerData struct {
	GroupName string
}

// ConsumerData is one consumer group of a client.
type ConsumerData struct {
	GroupName           string
	ConsumeType         string // ConsumeActively or ConsumePassively
	MessageModel        string // MessageModelClustering or MessageModelBroadcasting
	ConsumeFromWhere    string // ConsumeFrom*
	SubscriptionDataSet []SubscriptionData
	UnitMode            bool
}

// SubscriptionData is one topic subscription of a consumer group.
type SubscriptionData struct {
	ClassFilterMode   bool
	Topic             string
	SubString         string   // "*", "a || b", or SQL92 text
	TagsSet           []string // trimmed tags; empty for "*"
	CodeSet           []int32  // tag hashes; the Go client sends them as strings
	SubVersion        int64    // ms from Java clients, ns from the Go client
	ExpressionType    string   // TAG or SQL92; decoded "" or absent reads as TAG
	FilterClassSource string   // Java only; never sent by Go
}

// DecodeHeartbeatData parses a heartbeat body as the Java broker would:
// unknown members are skipped, codeSet elements may be numbers or strings,
// a missing or empty expressionType means TAG.
func DecodeHeartbeatData(b []byte) (HeartbeatData, error) {
	s := jsonScanner{buf: b, copyStrings: true}
	var h HeartbeatData
	s.object(func(key []byte) {
		switch string(key) {
		case "clientID":
			h.ClientID = s.optStr()
		case "producerDataSet":
			s.array(func() {
				var p ProducerData
				s.object(func(key []byte) {
					if string(key) == "groupName" {
						p.GroupName = s.optStr()
					} else {
						s.skip(0)
					}
				})
				h.ProducerDataSet = append(h.ProducerDataSet, p)
			})
		case "consumerDataSet":
			s.array(func() { h.ConsumerDataSet = append(h.ConsumerDataSet, s.consumerData()) })
		default:
			s.skip(0)
		}
	})
	s.end()
	if s.err != nil {
		return HeartbeatData{}, bodyError("HeartbeatData", s.err)
	}
	return h, nil
}

func (s *jsonScanner) consumerData() ConsumerData {
	var c ConsumerData
	s.object(func(key []byte) {
		switch string(key) {
		case "groupName":
			c.GroupName = s.optStr()
		case "consumeType":
			c.ConsumeType = s.optStr()
		case "messageModel":
			c.MessageModel = s.optStr()
		case "consumeFromWhere":
			c.ConsumeFromWhere = s.optStr()
		case "unitMode":
			c.UnitMode = s.boolean()
		case "subscriptionDataSet":
			s.array(func() { c.SubscriptionDataSet = append(c.SubscriptionDataSet, s.subscriptionData()) })
		default:
			s.skip(0)
		}
	})
	return c
}

func (s *jsonScanner) subscriptionData() SubscriptionData {
	var d SubscriptionData
	s.object(func(key []byte) {
		switch string(key) {
		case "classFilterMode":
			d.ClassFilterMode = s.boolean()
		case "topic":
			d.Topic = s.optStr()
		case "subString":
			d.SubString = s.optStr()
		case "tagsSet":
			s.array(func() { d.TagsSet = append(d.TagsSet, s.optStr()) })
		case "codeSet":
			s.array(func() { d.CodeSet = append(d.CodeSet, s.int32()) })
		case "subVersion":
			d.SubVersion = s.int64()
		case "expressionType":
			d.ExpressionType = s.optStr()
		case "filterClassSource":
			d.FilterClassSource = s.optStr()
		default:
			s.skip(0)
		}
	})
	if d.ExpressionType == "" {
		d.ExpressionType = ExpressionTypeTag
	}
	return d
}

// AppendHeartbeatData appends h as JSON in Java's form: codeSet as numbers,
// subVersion as a number, members in fastjson's alphabetical order.
func AppendHeartbeatData(dst []byte, h *HeartbeatData) []byte {
	dst = append(dst, `{"clientID":`...)
	dst = appendJSONString(dst, h.ClientID)
	dst = append(dst, `,"consumerDataSet":[`...)
	for i := range h.ConsumerDataSet {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendConsumerData(dst, &h.ConsumerDataSet[i])
	}
	dst = append(dst, `],"producerDataSet":[`...)
	for i, p := range h.ProducerDataSet {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"groupName":`...)
		dst = appendJSONString(dst, p.GroupName)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

func appendConsumerData(dst []byte, c *ConsumerData) []byte {
	dst = append(dst, `{"consumeFromWhere":`...)
	dst = appendJSONString(dst, c.ConsumeFromWhere)
	dst = append(dst, `,"consumeType":`...)
	dst = appendJSONString(dst, c.ConsumeType)
	dst = append(dst, `,"groupName":`...)
	dst = appendJSONString(dst, c.GroupName)
	dst = append(dst, `,"messageModel":`...)
	dst = appendJSONString(dst, c.MessageModel)
	dst = append(dst, `,"subscriptionDataSet":[`...)
	for i := range c.SubscriptionDataSet {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendSubscriptionData(dst, &c.SubscriptionDataSet[i])
	}
	dst = append(dst, `],"unitMode":`...)
	dst = strconv.AppendBool(dst, c.UnitMode)
	return append(dst, '}')
}

func appendSubscriptionData(dst []byte, d *SubscriptionData) []byte {
	dst = append(dst, `{"classFilterMode":`...)
	dst = strconv.AppendBool(dst, d.ClassFilterMode)
	dst = append(dst, `,"codeSet":[`...)
	for i, code := range d.CodeSet {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(code), 10)
	}
	dst = append(dst, `],"expressionType":`...)
	dst = appendJSONString(dst, d.ExpressionType)
	if d.FilterClassSource != "" {
		dst = append(dst, `,"filterClassSource":`...)
		dst = appendJSONString(dst, d.FilterClassSource)
	}
	dst = append(dst, `,"subString":`...)
	dst = appendJSONString(dst, d.SubString)
	dst = append(dst, `,"subVersion":`...)
	dst = strconv.AppendInt(dst, d.SubVersion, 10)
	dst = append(dst, `,"tagsSet":`...)
	dst = appendJSONStrings(dst, d.TagsSet)
	dst = append(dst, `,"topic":`...)
	dst = appendJSONString(dst, d.Topic)
	return append(dst, '}')
}

// appendJSONStrings appends a JSON array of strings.
func appendJSONStrings(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, v := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, v)
	}
	return append(dst, ']')
}

// bodyError wraps a scanner error with the body's name.
func bodyError(body string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrBody, body, err)
}
