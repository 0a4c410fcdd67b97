package protocol

import (
	"errors"
	"reflect"
	"testing"
)

// roundTripHeader encodes h into a request, sends it through a frame in
// both codecs, decodes it back and compares.
func roundTripHeader[T any](t *testing.T, code RequestCode, h T, enc func(*T, *Command), dec func(*T, *Command) error) {
	t.Helper()
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		c := NewRequest(code)
		c.SerializeType = st
		enc(&h, c)
		for _, f := range c.ExtFields() {
			if f.Key == "" {
				t.Fatalf("%T: empty key", h)
			}
		}
		var d Command
		if err := d.Decode(c.AppendFrame(nil)); err != nil {
			t.Fatalf("%T %v: %v", h, st, err)
		}
		var got T
		if err := dec(&got, &d); err != nil {
			t.Fatalf("%T %v: %v", h, st, err)
		}
		if !reflect.DeepEqual(got, h) {
			t.Fatalf("%T %v:\n got %+v\nwant %+v", h, st, got, h)
		}
	}
}

func TestTypedHeadersRoundTrip(t *testing.T) {
	send := SendMessageRequestHeader{ProducerGroup: "pg", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
		QueueID: 3, SysFlag: 1, BornTimestamp: 1700000000123, Flag: 7, Properties: "a\x01b\x02", ReconsumeTimes: 2,
		UnitMode: true, Batch: true, MaxReconsumeTimes: 16, HasMaxReconsumeTimes: true, BrokerName: "b"}
	roundTripHeader(t, ReqSendMessage, send, (*SendMessageRequestHeader).Encode, (*SendMessageRequestHeader).Decode)
	roundTripHeader(t, ReqSendBatchMessage, send, (*SendMessageRequestHeader).EncodeV2, (*SendMessageRequestHeader).Decode)
	roundTripHeader(t, ReqSendMessageV2, send, (*SendMessageRequestHeader).EncodeV2, (*SendMessageRequestHeader).Decode)
	roundTripHeader(t, 0, SendMessageResponseHeader{MsgID: "0A00000100002A9F00000000000003E8", QueueID: 1, QueueOffset: 99,
		TransactionID: "tx", MsgRegion: "DefaultRegion", TraceOn: true},
		(*SendMessageResponseHeader).Encode, (*SendMessageResponseHeader).Decode)
	roundTripHeader(t, ReqPullMessage, PullMessageRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 1, QueueOffset: -1,
		MaxMsgNums: 32, SysFlag: 3, CommitOffset: 5, SuspendTimeoutMillis: 20000, Subscription: "a || b", SubVersion: 1 << 60,
		ExpressionType: "TAG"}, (*PullMessageRequestHeader).Encode, (*PullMessageRequestHeader).Decode)
	roundTripHeader(t, 0, PullMessageResponseHeader{SuggestWhichBrokerID: 1, NextBeginOffset: 10, MinOffset: 0, MaxOffset: 11},
		(*PullMessageResponseHeader).Encode, (*PullMessageResponseHeader).Decode)
	roundTripHeader(t, ReqQueryConsumerOffset, QueryConsumerOffsetRequestHeader{"cg", "T", 2},
		(*QueryConsumerOffsetRequestHeader).Encode, (*QueryConsumerOffsetRequestHeader).Decode)
	roundTripHeader(t, ReqUpdateConsumerOffset, UpdateConsumerOffsetRequestHeader{"cg", "T", 2, 1 << 40},
		(*UpdateConsumerOffsetRequestHeader).Encode, (*UpdateConsumerOffsetRequestHeader).Decode)
	roundTripHeader(t, ReqGetMaxOffset, GetMaxOffsetRequestHeader{"T", 0},
		(*QueueRequestHeader).Encode, (*QueueRequestHeader).Decode)
	roundTripHeader(t, ReqSearchOffsetByTimestamp, SearchOffsetRequestHeader{"T", 1, 1700000000000},
		(*SearchOffsetRequestHeader).Encode, (*SearchOffsetRequestHeader).Decode)
	roundTripHeader(t, 0, OffsetResponseHeader{-1}, (*OffsetResponseHeader).Encode, (*OffsetResponseHeader).Decode)
	roundTripHeader(t, 0, GetEarliestMsgStoretimeResponseHeader{42},
		(*GetEarliestMsgStoretimeResponseHeader).Encode, (*GetEarliestMsgStoretimeResponseHeader).Decode)
	roundTripHeader(t, ReqGetConsumerListByGroup, GetConsumerListByGroupRequestHeader{"cg"},
		(*GetConsumerListByGroupRequestHeader).Encode, (*GetConsumerListByGroupRequestHeader).Decode)
	roundTripHeader(t, ReqNotifyConsumerIdsChanged, NotifyConsumerIdsChangedRequestHeader{"cg"},
		(*NotifyConsumerIdsChangedRequestHeader).Encode, (*NotifyConsumerIdsChangedRequestHeader).Decode)
	roundTripHeader(t, ReqUnregisterClient, UnregisterClientRequestHeader{"10.0.0.1@1", "pg", "cg"},
		(*UnregisterClientRequestHeader).Encode, (*UnregisterClientRequestHeader).Decode)
	roundTripHeader(t, ReqConsumerSendMsgBack, ConsumerSendMsgBackRequestHeader{Offset: 1000, Group: "cg", DelayLevel: -1,
		OriginMsgID: "id", OriginTopic: "T", UnitMode: false, MaxReconsumeTimes: 3, HasMaxReconsumeTimes: true},
		(*ConsumerSendMsgBackRequestHeader).Encode, (*ConsumerSendMsgBackRequestHeader).Decode)
	roundTripHeader(t, ReqEndTransaction, EndTransactionRequestHeader{ProducerGroup: "pg", TranStateTableOffset: 4,
		CommitLogOffset: 5000, CommitOrRollback: TransactionCommitType, FromTransactionCheck: true, MsgID: "u", TransactionID: "x"},
		(*EndTransactionRequestHeader).Encode, (*EndTransactionRequestHeader).Decode)
	roundTripHeader(t, ReqCheckTransactionState, CheckTransactionStateRequestHeader{1, 2, "m", "t", "o"},
		(*CheckTransactionStateRequestHeader).Encode, (*CheckTransactionStateRequestHeader).Decode)
	roundTripHeader(t, ReqQueryMessage, QueryMessageRequestHeader{"T", "k", 32, 1, 2, true},
		(*QueryMessageRequestHeader).Encode, (*QueryMessageRequestHeader).Decode)
	roundTripHeader(t, 0, QueryMessageResponseHeader{3, 4},
		(*QueryMessageResponseHeader).Encode, (*QueryMessageResponseHeader).Decode)
	roundTripHeader(t, ReqViewMessageByID, ViewMessageByIDRequestHeader{1 << 33},
		(*ViewMessageByIDRequestHeader).Encode, (*ViewMessageByIDRequestHeader).Decode)
	roundTripHeader(t, ReqUpdateAndCreateTopic, CreateTopicRequestHeader{"T", "TBW102", 8, 8, 6, TopicFilterSingleTag, 1, true},
		(*CreateTopicRequestHeader).Encode, (*CreateTopicRequestHeader).Decode)
	roundTripHeader(t, ReqDeleteTopicInBroker, DeleteTopicRequestHeader{"T"},
		(*DeleteTopicRequestHeader).Encode, (*DeleteTopicRequestHeader).Decode)
	roundTripHeader(t, ReqResetConsumerClientOffset, ResetOffsetRequestHeader{"T", "cg", 1700000000000, true},
		(*ResetOffsetRequestHeader).Encode, (*ResetOffsetRequestHeader).Decode)
	roundTripHeader(t, ReqGetConsumerStatusFromClient, GetConsumerStatusRequestHeader{"T", "cg", "10.0.0.1:5"},
		(*GetConsumerStatusRequestHeader).Encode, (*GetConsumerStatusRequestHeader).Decode)
	roundTripHeader(t, ReqGetConsumerRunningInfo, GetConsumerRunningInfoRequestHeader{"cg", "10.0.0.1@1", true},
		(*GetConsumerRunningInfoRequestHeader).Encode, (*GetConsumerRunningInfoRequestHeader).Decode)
	roundTripHeader(t, ReqConsumeMessageDirectly, ConsumeMessageDirectlyRequestHeader{"cg", "10.0.0.1@1", "0A00000100002A9F00000000000003E8", "b"},
		(*ConsumeMessageDirectlyRequestHeader).Encode, (*ConsumeMessageDirectlyRequestHeader).Decode)
}

// TestTypedHeaderMissingRequiredFieldNamesIt checks the error a broker
// turns into a SYSTEM_ERROR remark.
func TestTypedHeaderMissingRequiredFieldNamesIt(t *testing.T) {
	c := NewRequest(ReqPullMessage)
	(&PullMessageRequestHeader{ConsumerGroup: "cg", Topic: "T"}).Encode(c)
	c.DeleteExtField("queueOffset")
	var h PullMessageRequestHeader
	err := h.Decode(c)
	var he *HeaderError
	if !errors.As(err, &he) || he.Field != "queueOffset" || !errors.Is(err, ErrMissingField) {
		t.Fatalf("err = %v; want missing queueOffset", err)
	}
	c.SetExtField("queueOffset", "12x")
	if err := h.Decode(c); !errors.Is(err, ErrBadField) {
		t.Fatalf("err = %v; want ErrBadField", err)
	}
	c.SetExtField("queueId", "99999999999")
	c.SetExtField("queueOffset", "1")
	if err := h.Decode(c); !errors.Is(err, ErrBadField) {
		t.Fatalf("int32 overflow: err = %v; want ErrBadField", err)
	}
}

// TestTypedHeaderToleratesMissingOptionalFields mirrors J4
// RemotingCommand.decodeCommandCustomHeader: optional fields absent or
// malformed leave zero values; Java booleans parse case-insensitively.
func TestTypedHeaderToleratesMissingOptionalFields(t *testing.T) {
	c := NewRequest(ReqConsumerSendMsgBack)
	c.SetExtField("offset", "10")
	c.SetExtField("group", "cg")
	c.SetExtField("delayLevel", "0")
	c.SetExtField("maxReconsumeTimes", "not-a-number")
	c.SetExtField("unitMode", "TRUE")
	var h ConsumerSendMsgBackRequestHeader
	if err := h.Decode(c); err != nil {
		t.Fatal(err)
	}
	if h.HasMaxReconsumeTimes || !h.UnitMode || h.OriginTopic != "" || h.Offset != 10 {
		t.Fatalf("got %+v", h)
	}
}

// TestSendHeaderFormFollowsCode: the Go client's SEND_BATCH_MESSAGE carries
// short names (GO internal/request.go SendMessageRequestV2Header); SEND_MESSAGE
// long names.
func TestSendHeaderFormFollowsCode(t *testing.T) {
	c := NewRequest(ReqSendBatchMessage)
	for _, kv := range [][2]string{{"a", "pg"}, {"b", "T"}, {"c", "TBW102"}, {"d", "4"}, {"e", "1"}, {"f", "0"},
		{"g", "1"}, {"h", "0"}, {"i", ""}, {"j", "0"}, {"k", "false"}, {"l", "0"}, {"m", "true"}} {
		c.SetExtField(kv[0], kv[1])
	}
	var h SendMessageRequestHeader
	if err := h.Decode(c); err != nil {
		t.Fatal(err)
	}
	if !h.Batch || h.Topic != "T" || h.QueueID != 1 || !h.HasMaxReconsumeTimes {
		t.Fatalf("got %+v", h)
	}
	c.Code = int32(ReqSendMessage)
	if err := h.Decode(c); !errors.Is(err, ErrMissingField) {
		t.Fatalf("long form over short fields: err = %v", err)
	}
}
