package protocol

import (
	"reflect"
	"testing"
)

func FuzzDecodeHeartbeatData(f *testing.F) {
	f.Add([]byte(goHeartbeat))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"consumerDataSet":[{"subscriptionDataSet":[{"codeSet":[1,"2"],"tagsSet":["\u00e9"]}]}],"producerDataSet":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := DecodeHeartbeatData(body)
		if err != nil {
			return
		}
		again, err := DecodeHeartbeatData(AppendHeartbeatData(nil, &h))
		if err != nil {
			t.Fatalf("our own heartbeat does not decode: %v", err)
		}
		if !reflect.DeepEqual(normalizeHeartbeat(again), normalizeHeartbeat(h)) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, h)
		}
	})
}

// normalizeHeartbeat makes nil and empty slices compare equal.
func normalizeHeartbeat(h HeartbeatData) HeartbeatData {
	if len(h.ProducerDataSet) == 0 {
		h.ProducerDataSet = nil
	}
	if len(h.ConsumerDataSet) == 0 {
		h.ConsumerDataSet = nil
	}
	for i := range h.ConsumerDataSet {
		c := &h.ConsumerDataSet[i]
		if len(c.SubscriptionDataSet) == 0 {
			c.SubscriptionDataSet = nil
		}
		for j := range c.SubscriptionDataSet {
			s := &c.SubscriptionDataSet[j]
			if len(s.TagsSet) == 0 {
				s.TagsSet = nil
			}
			if len(s.CodeSet) == 0 {
				s.CodeSet = nil
			}
		}
	}
	return h
}

func FuzzDecodeConsumerBodies(f *testing.F) {
	f.Add([]byte(`{"consumerGroup":"cg","clientId":"192.168.0.5@1234","mqSet":[{"topic":"T","brokerName":"broker-a","queueId":0}]}`))
	f.Add([]byte(`{"lockOKMQSet":[{"topic":"T","brokerName":"b","queueId":"1"}]}`))
	f.Add([]byte(`{"consumerIdList":["a@1","b@2"]}`))
	f.Add([]byte(`{"consumerIdList":null,"x":[{}]}`))
	f.Add([]byte(`{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5}}`))
	f.Add([]byte(`{"offsetTable":[[{"topic":"T","brokerName":"b","queueId":0},5]]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if req, err := DecodeLockBatchRequestBody(body); err == nil {
			again, err := DecodeLockBatchRequestBody(AppendLockBatchRequestBody(nil, &req))
			again.MQSet, req.MQSet = nilIfEmpty(again.MQSet), nilIfEmpty(req.MQSet)
			if err != nil || !reflect.DeepEqual(again, req) {
				t.Fatalf("lock request round trip: %v\n got %+v\nwant %+v", err, again, req)
			}
		}
		if resp, err := DecodeLockBatchResponseBody(body); err == nil {
			again, err := DecodeLockBatchResponseBody(AppendLockBatchResponseBody(nil, &resp))
			again.LockOKMQSet, resp.LockOKMQSet = nilIfEmpty(again.LockOKMQSet), nilIfEmpty(resp.LockOKMQSet)
			if err != nil || !reflect.DeepEqual(again, resp) {
				t.Fatalf("lock response round trip: %v\n got %+v\nwant %+v", err, again, resp)
			}
		}
		if table, err := DecodeResetOffsetBody(body); err == nil {
			again, err := DecodeResetOffsetBody(AppendResetOffsetBody(nil, &table))
			again.OffsetTable, table.OffsetTable = nilIfEmpty(again.OffsetTable), nilIfEmpty(table.OffsetTable)
			if err != nil || !reflect.DeepEqual(again, table) {
				t.Fatalf("reset offset round trip: %v\n got %+v\nwant %+v", err, again, table)
			}
		}
		if list, err := DecodeConsumerListBody(body); err == nil {
			again, err := DecodeConsumerListBody(AppendConsumerListBody(nil, &list))
			again.ConsumerIDList, list.ConsumerIDList = nilIfEmpty(again.ConsumerIDList), nilIfEmpty(list.ConsumerIDList)
			if err != nil || !reflect.DeepEqual(again, list) {
				t.Fatalf("consumer list round trip: %v\n got %+v\nwant %+v", err, again, list)
			}
		}
	})
}

// nilIfEmpty makes empty and nil slices compare equal.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
