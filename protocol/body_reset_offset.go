package protocol

import "strconv"

// QueueOffset is one entry of an offset table: a queue and a consume-queue
// offset.
type QueueOffset struct {
	Queue  MessageQueue
	Offset int64
}

// ResetOffsetBody is the RESET_CONSUMER_CLIENT_OFFSET (220) request body
// (J4 ResetOffsetBody: offsetTable = map MessageQueue -> Long).
type ResetOffsetBody struct {
	OffsetTable []QueueOffset
}

// AppendResetOffsetBody appends the body in fastjson's object-key form,
// which is not valid JSON:
//
//	{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5,{...}:7}}
//
// It is what a Java broker sends and one of the two forms the Go client
// v2.1.2 parses (GO internal/model.go ResetOffsetBody.Decode, which splits
// the text on ",{" and "}:", so no whitespace is written). Java clients
// parse it with fastjson. An empty table is written as {} (valid JSON, which
// the Go client reads as empty too).
func AppendResetOffsetBody(dst []byte, b *ResetOffsetBody) []byte {
	dst = append(dst, `{"offsetTable":{`...)
	for i := range b.OffsetTable {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendMessageQueue(dst, &b.OffsetTable[i].Queue)
		dst = append(dst, ':')
		dst = strconv.AppendInt(dst, b.OffsetTable[i].Offset, 10)
	}
	return append(dst, "}}"...)
}

// DecodeResetOffsetBody parses the body in either form a client or broker
// writes it: fastjson's object keys ({{mq}:n,...}) or gson's pair array
// ([[{mq},n],...]). Whitespace is allowed in both.
func DecodeResetOffsetBody(b []byte) (ResetOffsetBody, error) {
	s := jsonScanner{buf: b, copyStrings: true}
	var out ResetOffsetBody
	s.object(func(key []byte) {
		if string(key) != "offsetTable" {
			s.skip(0)
			return
		}
		out.OffsetTable = s.offsetTable()
	})
	s.end()
	if s.err != nil {
		return ResetOffsetBody{}, bodyError("ResetOffsetBody", s.err)
	}
	return out, nil
}

// offsetTable reads a MessageQueue -> offset map in either form (or null).
func (s *jsonScanner) offsetTable() []QueueOffset {
	var out []QueueOffset
	n := 0
	switch s.skipWS() {
	case 'n':
		s.literal("null")
	case '{':
		s.pos++
		for s.more('}', &n) {
			mq := s.messageQueue()
			s.expect(':')
			out = append(out, QueueOffset{Queue: mq, Offset: s.int64()})
		}
	case '[':
		s.pos++
		for s.more(']', &n) {
			s.expect('[')
			mq := s.messageQueue()
			s.expect(',')
			out = append(out, QueueOffset{Queue: mq, Offset: s.int64()})
			s.expect(']')
		}
	default:
		s.fail(ErrJSONSyntax)
	}
	return out
}
