package client

import (
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// FuzzDecodeMessages feeds arbitrary pull bodies to the client's message
// decoder. Invariants: no panic; no more messages than records could fit;
// every record that decoded decodes the same on its own.
func FuzzDecodeMessages(f *testing.F) {
	rec := storedRecord("T", 1, []byte("body"), "TAGS\x01a\x02", 0)
	f.Add([]byte{})
	f.Add(rec)
	f.Add(append(append([]byte{}, rec...), rec...))
	f.Add(append(append([]byte{}, rec...), 0xDE, 0xAD))
	z, _ := deflate(nil, []byte("zzzzzzzzzzzzzzzzzzzzzzzz"), 5)
	f.Add(storedRecord("T", 2, z, "", protocol.SysFlagCompressed))
	f.Add(storedRecord("T", 3, []byte("not zlib"), "", protocol.SysFlagCompressed))
	mq := MessageQueue{Topic: "T", BrokerName: "b"}
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, _ := decodeMessages(data, mq)
		if len(msgs) > len(data)/protocol.StoredMessageFixedSizeV1 {
			t.Fatalf("%d messages from %d bytes", len(msgs), len(data))
		}
		rest := data
		for i, m := range msgs {
			size, _, ok := protocol.PeekRecordHeader(rest)
			if !ok || int(size) > len(rest) || size <= 0 {
				t.Fatalf("message %d decoded from a record without a valid header", i)
			}
			alone, err := decodeMessages(rest[:size], mq)
			if err != nil || len(alone) != 1 || string(alone[0].Body) != string(m.Body) || alone[0].QueueOffset != m.QueueOffset {
				t.Fatalf("record %d decodes differently on its own: %v", i, err)
			}
			rest = rest[size:]
		}
	})
}
