package client

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
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
	// Body aliases the pull body but is capped: an append copies instead
	// of overwriting the next record.
	before := append([]byte(nil), body...)
	grown := append(m.Body, "XXXXXXXXXXXXXXXX"...)
	if cap(m.Body) != len(m.Body) || !bytes.Equal(body, before) || string(grown) != "hello"+"XXXXXXXXXXXXXXXX" {
		t.Errorf("appending to a message's body changed the pull body")
	}
	if again, err := decodeMessages(body, mq); err != nil || len(again) != 2 || again[1].MsgID != r.MsgID {
		t.Errorf("pull body no longer decodes after an append to a message: %v", err)
	}
}

func TestDecodeMessagesProperties(t *testing.T) {
	body := pullBody(3, 16)
	body = append(body, storedRecord("Other", 9, nil, "a\x01b\x02noValue\x02=\x01\x02UNIQ_KEY\x01U\x02a\x01c", 0)...)
	mq := MessageQueue{Topic: "BenchTopic", BrokerName: "b", QueueID: 1}
	msgs, err := decodeMessages(body, mq)
	if err != nil || len(msgs) != 4 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
	for i, m := range msgs[:3] {
		want := map[string]string{
			"TAGS": "TagA", "KEYS": "order-" + strconv.Itoa(i), "CLUSTER": "DefaultCluster",
			"UNIQ_KEY": fmt.Sprintf("7F00000100002A9F0000000000%06X", i),
		}
		if !maps.Equal(m.Properties, want) || m.Tags != "TagA" || !slices.Equal(m.Keys, []string{"order-" + strconv.Itoa(i)}) ||
			m.MsgID != want["UNIQ_KEY"] || m.Topic != "BenchTopic" || m.Queue != mq || string(m.Body) != strings.Repeat("x", 16) ||
			m.BornHost != "10.0.0.2:12345" || m.StoreHost != "10.0.0.1:10911" || m.QueueOffset != int64(i) {
			t.Errorf("message %d: %+v", i, m)
		}
		if want := fmt.Sprintf("0A00000100002A9F%016X", 1000+i); m.OffsetMsgID != want {
			t.Errorf("message %d offset id %s, want %s", i, m.OffsetMsgID, want)
		}
	}
	// A pair without a value separator is skipped, the last of a repeated
	// name wins, and a record of another topic gets its own topic.
	o := msgs[3]
	if want := map[string]string{"a": "c", "=": "", "UNIQ_KEY": "U"}; !maps.Equal(o.Properties, want) ||
		o.Topic != "Other" || o.Queue.Topic != "Other" || o.Body != nil || o.MsgID != "U" || o.Keys != nil {
		t.Errorf("odd properties: %+v", o)
	}
}

func TestDecodeMessagesAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	body := pullBody(32, 1024)
	mq := MessageQueue{Topic: "BenchTopic", BrokerName: "b", QueueID: 1}
	allocs := testing.AllocsPerRun(20, func() {
		if msgs, err := decodeMessages(body, mq); err != nil || len(msgs) != 32 {
			t.Fatalf("%d messages, %v", len(msgs), err)
		}
	})
	// Per message: the properties string (with the offset id), the map
	// and the keys slice; per batch: the messages and the hosts.
	if perMsg := allocs / 32; perMsg > 5 {
		t.Errorf("%.1f allocations per message", perMsg)
	}
}

// pullBody returns a pull body as a broker returns it for one queue: n
// records of size-byte bodies with the properties our producer sets
// (TAGS, KEYS, UNIQ_KEY) and the broker adds (CLUSTER).
func pullBody(n, size int) []byte {
	var body []byte
	payload := bytes.Repeat([]byte{'x'}, size)
	for i := range n {
		uniq := fmt.Sprintf("7F00000100002A9F0000000000%06X", i)
		props := "TAGS\x01TagA\x02KEYS\x01order-" + strconv.Itoa(i) + "\x02UNIQ_KEY\x01" + uniq + "\x02CLUSTER\x01DefaultCluster\x02"
		body = append(body, storedRecord("BenchTopic", int64(i), payload, props, 0)...)
	}
	return body
}

func BenchmarkDecodeMessages(b *testing.B) {
	body := pullBody(32, 1024)
	mq := MessageQueue{Topic: "BenchTopic", BrokerName: "broker-a", QueueID: 1}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		msgs, err := decodeMessages(body, mq)
		if err != nil || len(msgs) != 32 {
			b.Fatalf("%d messages, %v", len(msgs), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*32), "ns/msg")
}
