package protocol

import (
	"errors"
	"reflect"
	"testing"
)

// goHeartbeat is the Go client's heartbeat shape (wire-protocol.md §6.1):
// codeSet as strings, subVersion in nanoseconds.
const goHeartbeat = `{"clientID":"192.168.0.5@1234","producerDataSet":[{"groupName":"pg"}],"consumerDataSet":[{"groupName":"cg","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","subscriptionDataSet":[{"classFilterMode":false,"topic":"T","subString":"a || b","tagsSet":["a","b"],"codeSet":["97","98"],"subVersion":1700000000000000000,"expressionType":"TAG"},{"classFilterMode":false,"topic":"%RETRY%cg","subString":"*","tagsSet":[],"codeSet":[],"subVersion":1,"expressionType":""}],"unitMode":false}]}`

func TestDecodeHeartbeatDataFromGoClient(t *testing.T) {
	h, err := DecodeHeartbeatData([]byte(goHeartbeat))
	if err != nil {
		t.Fatal(err)
	}
	want := HeartbeatData{
		ClientID:        "192.168.0.5@1234",
		ProducerDataSet: []ProducerData{{GroupName: "pg"}},
		ConsumerDataSet: []ConsumerData{{
			GroupName: "cg", ConsumeType: ConsumePassively, MessageModel: MessageModelClustering,
			ConsumeFromWhere: ConsumeFromLastOffset,
			SubscriptionDataSet: []SubscriptionData{
				{Topic: "T", SubString: "a || b", TagsSet: []string{"a", "b"}, CodeSet: []int32{97, 98},
					SubVersion: 1700000000000000000, ExpressionType: ExpressionTypeTag},
				{Topic: "%RETRY%cg", SubString: "*", SubVersion: 1, ExpressionType: ExpressionTypeTag},
			},
		}},
	}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("got  %+v\nwant %+v", h, want)
	}
	// Our encoder writes Java's form (numbers in codeSet); it must read back.
	again, err := DecodeHeartbeatData(AppendHeartbeatData(nil, &h))
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("round trip: %v\n got %+v", err, again)
	}
}

// TestDecodeHeartbeatDataJavaForm: a Java client writes numeric codeSet,
// sorted members, may omit expressionType and adds members we skip.
func TestDecodeHeartbeatDataJavaForm(t *testing.T) {
	body := `{ "clientID" : "10.0.0.1@9@x", "consumerDataSet" : [ { "consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET",` +
		`"consumeType":"CONSUME_ACTIVELY","groupName":"cg","messageModel":"BROADCASTING","subscriptionDataSet":[{"classFilterMode":false,` +
		`"codeSet":[-12,7],"subString":"x||y","subVersion":1700000000000,"tagsSet":["x","y"],"topic":"T","extra":{"nested":[1,{"a":null}]}}],` +
		`"unitMode":true}],"producerDataSet":[],"heartbeatFingerprint":12}`
	h, err := DecodeHeartbeatData([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	sub := h.ConsumerDataSet[0].SubscriptionDataSet[0]
	if sub.ExpressionType != ExpressionTypeTag || !reflect.DeepEqual(sub.CodeSet, []int32{-12, 7}) ||
		!h.ConsumerDataSet[0].UnitMode || len(h.ProducerDataSet) != 0 {
		t.Fatalf("got %+v", h)
	}
}

func TestDecodeHeartbeatDataRejectsGarbage(t *testing.T) {
	for _, in := range []string{``, `{`, `{"clientID":1`, `[]`, `{"consumerDataSet":[{"subscriptionDataSet":[{"codeSet":["x"]}]}]}`, `{} x`} {
		if _, err := DecodeHeartbeatData([]byte(in)); !errors.Is(err, ErrBody) {
			t.Errorf("%q: err = %v; want ErrBody", in, err)
		}
	}
}

func TestConsumerListAndLockBodiesRoundTrip(t *testing.T) {
	list := ConsumerListBody{ConsumerIDList: []string{"a@1", "b@2"}}
	got, err := DecodeConsumerListBody(AppendConsumerListBody(nil, &list))
	if err != nil || !reflect.DeepEqual(got, list) {
		t.Fatalf("consumer list: %v %+v", err, got)
	}
	if got, err := DecodeConsumerListBody([]byte(`{}`)); err != nil || len(got.ConsumerIDList) != 0 {
		t.Fatalf("empty consumer list: %v %+v", err, got)
	}
	// The exact request the Go client sends (wire-protocol.md §6.9).
	req, err := DecodeLockBatchRequestBody([]byte(`{"consumerGroup":"cg","clientId":"192.168.0.5@1234","mqSet":[{"topic":"T","brokerName":"broker-a","queueId":0}]}`))
	want := LockBatchRequestBody{ConsumerGroup: "cg", ClientID: "192.168.0.5@1234", MQSet: []MessageQueue{{"T", "broker-a", 0}}}
	if err != nil || !reflect.DeepEqual(req, want) {
		t.Fatalf("lock request: %v %+v", err, req)
	}
	again, err := DecodeLockBatchRequestBody(AppendLockBatchRequestBody(nil, &want))
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("lock request round trip: %v %+v", err, again)
	}
	resp := LockBatchResponseBody{LockOKMQSet: []MessageQueue{{"T", "b", 1}, {"T", "b", 2}}}
	gotResp, err := DecodeLockBatchResponseBody(AppendLockBatchResponseBody(nil, &resp))
	if err != nil || !reflect.DeepEqual(gotResp, resp) {
		t.Fatalf("lock response: %v %+v", err, gotResp)
	}
}

// TestResetOffsetBodyForms pins the fastjson object-key form we write and
// reads both forms of wire-protocol.md §7.3.
func TestResetOffsetBodyForms(t *testing.T) {
	body := ResetOffsetBody{OffsetTable: []QueueOffset{
		{Queue: MessageQueue{Topic: "T", BrokerName: "b", QueueID: 0}, Offset: 5},
		{Queue: MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1}, Offset: 7},
	}}
	const fastjson = `{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5,{"brokerName":"b","queueId":1,"topic":"T"}:7}}`
	if got := string(AppendResetOffsetBody(nil, &body)); got != fastjson {
		t.Fatalf("got  %s\nwant %s", got, fastjson)
	}
	for _, in := range []string{
		fastjson,
		`{"offsetTable":[[{"topic":"T","brokerName":"b","queueId":0},5],[{"topic":"T","brokerName":"b","queueId":1},7]]}`,
		"{ \"offsetTable\" : [ [ {\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":0} , 5 ] ,\n[{\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":\"1\"},\"7\"] ] }",
	} {
		got, err := DecodeResetOffsetBody([]byte(in))
		if err != nil || !reflect.DeepEqual(got, body) {
			t.Fatalf("%s: %v %+v", in, err, got)
		}
	}
	if got, err := DecodeResetOffsetBody(AppendResetOffsetBody(nil, &ResetOffsetBody{})); err != nil || len(got.OffsetTable) != 0 {
		t.Fatalf("empty table: %v %+v", err, got)
	}
	if _, err := DecodeResetOffsetBody([]byte(`{"offsetTable":{"T":5}}`)); !errors.Is(err, ErrBody) {
		t.Fatalf("string-keyed table: %v", err)
	}
}
