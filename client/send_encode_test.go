package client

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

func newTestProducer(t testing.TB, opts ...ProducerOption) *Producer {
	t.Helper()
	p, err := NewProducer(append([]ProducerOption{WithNameServers("127.0.0.1:1")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

func propsOf(b []byte) map[string]string {
	out := map[string]string{}
	protocol.ForEachProperty(b, func(k, v []byte) bool { out[string(k)] = string(v); return true })
	return out
}

func TestPropertiesEncoding(t *testing.T) {
	m := &Message{
		Topic: "T", Tags: "tagA", Keys: []string{"k1", "k2"}, DelayLevel: 3,
		ShardingKey: "order-7", Properties: map[string]string{"color": "red", "empty": ""},
	}
	got := appendProperties(nil, m, []byte("C0A8000500010000000000000a0b0c0d"))
	want := "TAGS\x01tagA\x02KEYS\x01k1 k2\x02DELAY\x013\x02__SHARDINGKEY\x01order-7\x02UNIQ_KEY\x01C0A8000500010000000000000a0b0c0d\x02color\x01red\x02"
	if string(got) != want {
		t.Errorf("properties\n got %q\nwant %q", got, want)
	}
	if v, ok := protocol.PropertyValue(got, "KEYS"); !ok || string(v) != "k1 k2" {
		t.Errorf("broker-side read of KEYS: %q %v", v, ok)
	}
	if !validProperties(m) || validProperties(&Message{Properties: map[string]string{"a\x01": "b"}}) {
		t.Errorf("separator check wrong")
	}
}

func TestCompressionSetsSysFlagAndRoundTrips(t *testing.T) {
	p := newTestProducer(t)
	big := bytes.Repeat([]byte("fastmq compresses bodies over 4 KiB. "), 200) // 7400 bytes
	for _, tc := range []struct {
		name       string
		body       []byte
		compressed bool
	}{
		{"size=4095", big[:4095], false},
		{"size=4096", big[:4096], true},
		{"size=7400", big, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := p.getBuf()
			defer p.bufs.Put(b)
			m := &Message{Topic: "T", Body: tc.body}
			if err := p.encodeMessage(b, m, nil); err != nil {
				t.Fatal(err)
			}
			p.fillSendCommand(b, m, MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1}, time.Now())
			var h protocol.SendMessageRequestHeader
			if err := h.Decode(&b.cmd); err != nil {
				t.Fatal(err)
			}
			if got := h.SysFlag&protocol.SysFlagCompressed != 0; got != tc.compressed {
				t.Fatalf("compressed flag %v, want %v", got, tc.compressed)
			}
			if h.SysFlag&protocol.SysFlagCompressionMask != 0 {
				t.Errorf("compression-type bits set: %#x", h.SysFlag)
			}
			body := b.cmd.Body
			if tc.compressed {
				if len(body) >= len(tc.body) || body[0] != 0x78 { // zlib header
					t.Fatalf("not a smaller zlib stream: % x", body[:2])
				}
				if body, _ = inflate(body); !bytes.Equal(body, tc.body) {
					t.Fatal("inflated body differs")
				}
			} else if !bytes.Equal(body, tc.body) {
				t.Fatal("body changed")
			}
		})
	}
	off := newTestProducer(t, WithCompression(0, 5))
	b := off.getBuf()
	if off.encodeMessage(b, &Message{Topic: "T", Body: big}, nil); b.sysFlag != 0 {
		t.Errorf("compression not turned off")
	}
}

func TestSendCommandHeader(t *testing.T) {
	p := newTestProducer(t, WithProducerGroup("pg"))
	b := p.getBuf()
	m := &Message{Topic: "Orders", Body: []byte("hi"), Tags: "t", Flag: 7}
	p.encodeMessage(b, m, []byte("0123456789abcdef0123456789abcdef"))
	born := time.UnixMilli(1700000000123)
	p.fillSendCommand(b, m, MessageQueue{Topic: "Orders", BrokerName: "b", QueueID: 2}, born)
	if b.cmd.Code != int32(protocol.ReqSendMessage) || b.cmd.SerializeType != protocol.SerializeRocketMQ || b.cmd.Language != protocol.LanguageGo {
		t.Fatalf("command %d %v %v", b.cmd.Code, b.cmd.SerializeType, b.cmd.Language)
	}
	// Round trip through the wire form.
	var back protocol.Command
	if err := back.Decode(b.cmd.AppendFrame(nil)); err != nil {
		t.Fatal(err)
	}
	var h protocol.SendMessageRequestHeader
	if err := h.Decode(&back); err != nil {
		t.Fatal(err)
	}
	if h.ProducerGroup != "pg" || h.Topic != "Orders" || h.QueueID != 2 || h.BornTimestamp != born.UnixMilli() ||
		h.Flag != 7 || h.DefaultTopic != "TBW102" || h.DefaultTopicQueueNums != 4 || string(back.Body) != "hi" {
		t.Errorf("header %+v body %q", h, back.Body)
	}
	if propsOf([]byte(h.Properties))["UNIQ_KEY"] != "0123456789abcdef0123456789abcdef" {
		t.Errorf("properties %q", h.Properties)
	}
	// JSON headers on request.
	pj := newTestProducer(t, WithJSONHeaders())
	bj := pj.getBuf()
	pj.encodeMessage(bj, m, nil)
	pj.fillSendCommand(bj, m, MessageQueue{}, born)
	if frame := bj.cmd.AppendFrame(nil); frame[4] != byte(protocol.SerializeJSON) || !strings.Contains(string(frame), `"topic":"Orders"`) {
		t.Errorf("JSON frame %q", frame)
	}
}

func TestBatchEntryMatchesGoClientLayout(t *testing.T) {
	// wire-protocol.md §8.3 (run): body "abc", tag "tagA".
	want, _ := hex.DecodeString("00000023000000000000000000000000000000036162630" + "00a5441475301746167410" + "2")
	got := appendBatchEntry(nil, []byte("abc"), 0, appendProperties(nil, &Message{Tags: "tagA"}, nil))
	if !bytes.Equal(got, want) {
		t.Errorf("batch entry\n got % x\nwant % x", got, want)
	}
}

// TestSendEncodeDoesNotAllocate pins the client's part of a send at zero
// allocations: properties, UNIQ_KEY, header, body (compressed too) and the
// frame the transport writes.
func TestSendEncodeDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items)")
	}
	p := newTestProducer(t)
	small := &Message{Topic: "T", Body: make([]byte, 1024), Tags: "tag", Keys: []string{"k"}, Properties: map[string]string{"a": "b"}}
	big := &Message{Topic: "T", Body: bytes.Repeat([]byte("x"), 16<<10)}
	mq := MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1}
	var frame []byte
	for _, m := range []*Message{small, big} {
		run := func() {
			b := p.getBuf()
			now := p.cfg.clock()
			id := p.uniq.Next(now)
			p.encodeMessage(b, m, id[:])
			p.fillSendCommand(b, m, mq, now)
			frame = b.cmd.AppendFrame(frame[:0])
			p.bufs.Put(b)
		}
		run()
		if n := testing.AllocsPerRun(500, run); n != 0 {
			t.Errorf("body %d bytes: %v allocations per send", len(m.Body), n)
		}
	}
}
