package client

import (
	"bytes"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// storedRecord encodes one stored message as a broker returns it in a
// pull body.
func storedRecord(topic string, queueOffset int64, body []byte, props string, sysFlag int32) []byte {
	m := &protocol.StoredMessage{
		QueueID: 1, Flag: 3, QueueOffset: queueOffset, PhysicalOffset: 1000 + queueOffset, SysFlag: sysFlag,
		BornTimestamp: 1700000000000, BornHost: []byte{10, 0, 0, 2, 0, 0, 0x30, 0x39},
		StoreTimestamp: 1700000000005, StoreHost: []byte{10, 0, 0, 1, 0, 0, 0x2a, 0x9f},
		ReconsumeTimes: 2, Body: body, Topic: []byte(topic), Properties: []byte(props),
	}
	m.BodyCRC = protocol.BodyCRC(body)
	return protocol.AppendStoredMessage(nil, m)
}

func TestDecodeMessagesOfAPullBody(t *testing.T) {
	plain := []byte("hello")
	big := bytes.Repeat([]byte("compress me "), 1000)
	z, err := deflate(nil, big, 5)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	body = append(body, storedRecord("T", 7, plain, "TAGS\x01a\x02KEYS\x01k1 k2\x02UNIQ_KEY\x01ABCDEF\x02", 0)...)
	body = append(body, storedRecord("%RETRY%g", 8, z, "RETRY_TOPIC\x01T\x02", protocol.SysFlagCompressed)...)
	mq := MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1}
	msgs, err := decodeMessages(body, mq)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
	m := msgs[0]
	if string(m.Body) != "hello" || m.Tags != "a" || len(m.Keys) != 2 || m.MsgID != "ABCDEF" || m.QueueOffset != 7 ||
		m.CommitLogOffset != 1007 || m.ReconsumeTimes != 2 || m.Flag != 3 || m.BornHost != "10.0.0.2:12345" ||
		m.StoreHost != "10.0.0.1:10911" || m.Queue != mq {
		t.Errorf("first message %+v", m)
	}
	if m.OffsetMsgID != "0A00000100002A9F00000000000003EF" {
		t.Errorf("offset id %s", m.OffsetMsgID)
	}
	r := msgs[1]
	if !bytes.Equal(r.Body, big) || r.Topic != "T" || r.Queue.Topic != "%RETRY%g" || r.MsgID != r.OffsetMsgID {
		t.Errorf("retried compressed message: topic %q queue %v msgId %s", r.Topic, r.Queue, r.MsgID)
	}
	// Body bytes are copied out of the pull body.
	body[len(body)/4] ^= 0xFF
	if string(m.Body) != "hello" {
		t.Errorf("message aliases the pull body")
	}
}
