package protocol

import "strconv"

// ConsumerListBody is the GET_CONSUMER_LIST_BY_GROUP (38) reply body
// {"consumerIdList":[...]} (J4 GetConsumerListByGroupResponseBody).
type ConsumerListBody struct {
	ConsumerIDList []string
}

// AppendConsumerListBody appends the body as JSON.
func AppendConsumerListBody(dst []byte, b *ConsumerListBody) []byte {
	dst = append(dst, `{"consumerIdList":`...)
	dst = appendJSONStrings(dst, b.ConsumerIDList)
	return append(dst, '}')
}

// DecodeConsumerListBody parses the body; a missing list is empty.
func DecodeConsumerListBody(b []byte) (ConsumerListBody, error) {
	s := jsonScanner{buf: b, copyStrings: true}
	var out ConsumerListBody
	s.object(func(key []byte) {
		if string(key) == "consumerIdList" {
			s.array(func() { out.ConsumerIDList = append(out.ConsumerIDList, s.optStr()) })
			return
		}
		s.skip(0)
	})
	s.end()
	if s.err != nil {
		return ConsumerListBody{}, bodyError("ConsumerListBody", s.err)
	}
	return out, nil
}

// MessageQueue names one queue of a topic on one broker group (J4
// common/message/MessageQueue.java).
type MessageQueue struct {
	Topic      string
	BrokerName string
	QueueID    int32
}

// LockBatchRequestBody is the body of LOCK_BATCH_MQ (41) and, with
// OnlyThisBroker unused, UNLOCK_BATCH_MQ (42) (J4 LockBatchRequestBody,
// UnlockBatchRequestBody).
type LockBatchRequestBody struct {
	ConsumerGroup  string
	ClientID       string
	OnlyThisBroker bool
	MQSet          []MessageQueue
}

// UnlockBatchRequestBody has the same shape as LockBatchRequestBody.
type UnlockBatchRequestBody = LockBatchRequestBody

// AppendLockBatchRequestBody appends the body as JSON.
func AppendLockBatchRequestBody(dst []byte, b *LockBatchRequestBody) []byte {
	dst = append(dst, `{"clientId":`...)
	dst = appendJSONString(dst, b.ClientID)
	dst = append(dst, `,"consumerGroup":`...)
	dst = appendJSONString(dst, b.ConsumerGroup)
	dst = append(dst, `,"mqSet":`...)
	dst = appendMessageQueues(dst, b.MQSet)
	dst = append(dst, `,"onlyThisBroker":`...)
	dst = strconv.AppendBool(dst, b.OnlyThisBroker)
	return append(dst, '}')
}

// DecodeLockBatchRequestBody parses a lock or unlock request body.
func DecodeLockBatchRequestBody(b []byte) (LockBatchRequestBody, error) {
	s := jsonScanner{buf: b, copyStrings: true}
	var out LockBatchRequestBody
	s.object(func(key []byte) {
		switch string(key) {
		case "consumerGroup":
			out.ConsumerGroup = s.optStr()
		case "clientId":
			out.ClientID = s.optStr()
		case "onlyThisBroker":
			out.OnlyThisBroker = s.boolean()
		case "mqSet":
			out.MQSet = s.messageQueues()
		default:
			s.skip(0)
		}
	})
	s.end()
	if s.err != nil {
		return LockBatchRequestBody{}, bodyError("LockBatchRequestBody", s.err)
	}
	return out, nil
}

// LockBatchResponseBody is the LOCK_BATCH_MQ reply body: the queues now
// locked by the asking client.
type LockBatchResponseBody struct {
	LockOKMQSet []MessageQueue
}

// AppendLockBatchResponseBody appends the body as JSON.
func AppendLockBatchResponseBody(dst []byte, b *LockBatchResponseBody) []byte {
	dst = append(dst, `{"lockOKMQSet":`...)
	dst = appendMessageQueues(dst, b.LockOKMQSet)
	return append(dst, '}')
}

// DecodeLockBatchResponseBody parses the reply body.
func DecodeLockBatchResponseBody(b []byte) (LockBatchResponseBody, error) {
	s := jsonScanner{buf: b, copyStrings: true}
	var out LockBatchResponseBody
	s.object(func(key []byte) {
		if string(key) == "lockOKMQSet" {
			out.LockOKMQSet = s.messageQueues()
			return
		}
		s.skip(0)
	})
	s.end()
	if s.err != nil {
		return LockBatchResponseBody{}, bodyError("LockBatchResponseBody", s.err)
	}
	return out, nil
}

// appendMessageQueues appends a JSON array of MessageQueue objects.
func appendMessageQueues(dst []byte, mqs []MessageQueue) []byte {
	dst = append(dst, '[')
	for i := range mqs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendMessageQueue(dst, &mqs[i])
	}
	return append(dst, ']')
}

// AppendMessageQueue appends one queue as {"brokerName":..,"queueId":..,"topic":..}.
func AppendMessageQueue(dst []byte, mq *MessageQueue) []byte {
	dst = append(dst, `{"brokerName":`...)
	dst = appendJSONString(dst, mq.BrokerName)
	dst = append(dst, `,"queueId":`...)
	dst = strconv.AppendInt(dst, int64(mq.QueueID), 10)
	dst = append(dst, `,"topic":`...)
	dst = appendJSONString(dst, mq.Topic)
	return append(dst, '}')
}

// messageQueues reads an array of MessageQueue objects.
func (s *jsonScanner) messageQueues() []MessageQueue {
	var out []MessageQueue
	s.array(func() { out = append(out, s.messageQueue()) })
	return out
}

// messageQueue reads one MessageQueue object (or null).
func (s *jsonScanner) messageQueue() MessageQueue {
	var mq MessageQueue
	s.object(func(key []byte) {
		switch string(key) {
		case "topic":
			mq.Topic = s.optStr()
		case "brokerName":
			mq.BrokerName = s.optStr()
		case "queueId":
			mq.QueueID = s.int32()
		default:
			s.skip(0)
		}
	})
	return mq
}
