package protocol

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// decodeSendModel is the naive send-header decoder: one extReader lookup
// per field, like every other typed header. The one-pass Decode must agree
// with it on every input.
func decodeSendModel(h *SendMessageRequestHeader, c *Command) error {
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

// checkSendDecodeMatchesModel compares the two decoders on c.
func checkSendDecodeMatchesModel(t *testing.T, c *Command) {
	t.Helper()
	var fast, model SendMessageRequestHeader
	errFast, errModel := fast.Decode(c), decodeSendModel(&model, c)
	if (errFast == nil) != (errModel == nil) || errFast != nil && errFast.Error() != errModel.Error() {
		t.Fatalf("errors differ: fast %v, model %v\next %q", errFast, errModel, c.ExtFields())
	}
	if errFast == nil && !reflect.DeepEqual(fast, model) {
		t.Fatalf("headers differ:\nfast  %+v\nmodel %+v\next %q", fast, model, c.ExtFields())
	}
}

// TestSendHeaderDecodeMatchesModel feeds random ext fields (valid, empty,
// malformed, out of range, repeated, unknown keys) to both decoders.
func TestSendHeaderDecodeMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []string{"", "0", "7", "-3", "2147483648", "-2147483649", "9223372036854775807", "x", "true", "FALSE", "pg", "+5"}
	keys := make([]string, 0, 2*len(sendFields)+2)
	for _, f := range sendFields {
		keys = append(keys, f.long, f.short)
	}
	keys = append(keys, "o", "unknown")
	var c Command
	for range 20000 {
		c.Reset()
		c.Code = int32(ReqSendMessage)
		if rng.IntN(2) == 0 {
			c.Code = int32(ReqSendBatchMessage)
		}
		for range rng.IntN(20) {
			c.AddExtField(keys[rng.IntN(len(keys))], values[rng.IntN(len(values))])
		}
		if rng.IntN(3) == 0 { // often a complete valid header, then noise
			(&SendMessageRequestHeader{ProducerGroup: "pg", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4}).encode(&c, c.Code != int32(ReqSendMessage))
			for range rng.IntN(3) {
				c.AddExtField(keys[rng.IntN(len(keys))], values[rng.IntN(len(values))])
			}
		}
		checkSendDecodeMatchesModel(t, &c)
	}
}

func TestSendHeaderDecodeNamesFirstFailingField(t *testing.T) {
	c := NewRequest(ReqSendMessage)
	c.AddExtField("producerGroup", "pg")
	c.AddExtField("topic", "T")
	c.AddExtField("defaultTopic", "TBW102")
	c.AddExtField("defaultTopicQueueNums", "4x")
	var h SendMessageRequestHeader
	err := h.Decode(c)
	var he *HeaderError
	if !errors.As(err, &he) || he.Field != "defaultTopicQueueNums" || !errors.Is(err, ErrBadField) {
		t.Fatalf("err = %v", err)
	}
}
