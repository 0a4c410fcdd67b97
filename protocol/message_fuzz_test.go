package protocol

import (
	"bytes"
	"testing"
)

// FuzzDecodeStoredMessage checks that the decoder never panics, that every
// slice it returns lies inside the record, and that a record it accepts
// re-encodes to the same bytes.
func FuzzDecodeStoredMessage(f *testing.F) {
	m := goldenMessage()
	valid := AppendStoredMessage(nil, &m)
	f.Add(valid)
	f.Add([]byte{})
	f.Add(append(bytes.Clone(valid), 0xFF, 0xFF, 0xFF, 0xFF))
	f.Add(valid[:50])
	blank := make([]byte, 8)
	PutBlank(blank, 1<<30)
	f.Add(blank)
	big := bytes.Clone(valid)
	big[84], big[85] = 0x7F, 0xFF
	f.Add(big)
	f.Fuzz(func(t *testing.T, rec []byte) {
		var d StoredMessage
		if err := DecodeStoredMessage(rec, &d); err != nil {
			return
		}
		if int(d.TotalSize) > len(rec) || d.TotalSize < StoredMessageFixedSizeV1 {
			t.Fatalf("TotalSize %d outside record of %d", d.TotalSize, len(rec))
		}
		if d.Size() != int(d.TotalSize) {
			t.Fatalf("Size() %d != TotalSize %d", d.Size(), d.TotalSize)
		}
		again := AppendStoredMessage(nil, &d)
		if !bytes.Equal(again, rec[:d.TotalSize]) {
			t.Fatalf("re-encoding differs\n got %x\nwant %x", again, rec[:d.TotalSize])
		}
	})
}

// FuzzPropertyValue checks that lookups never panic and that every value a
// well-formed ForEachProperty pass sees is what PropertyValue returns for the
// first occurrence of its name.
func FuzzPropertyValue(f *testing.F) {
	f.Add([]byte("TAGS\x01a\x02KEYS\x01b c\x02"))
	f.Add([]byte{})
	f.Add([]byte("\x01\x02\x01"))
	f.Fuzz(func(t *testing.T, props []byte) {
		seen := map[string]bool{}
		ForEachProperty(props, func(name, value []byte) bool {
			if seen[string(name)] {
				return true
			}
			seen[string(name)] = true
			v, ok := PropertyValue(props, string(name))
			if !ok || !bytes.Equal(v, value) {
				t.Fatalf("PropertyValue(%q) = %q %v, want %q", name, v, ok, value)
			}
			return true
		})
	})
}

// FuzzDecodeOffsetMsgID checks that the offset message id decoder (input
// from a query by message id) never panics, accepts only 32 or 56 hex
// digits, and that what it accepts re-encodes to the same id, uppercased.
func FuzzDecodeOffsetMsgID(f *testing.F) {
	f.Add([]byte("C0A8010200002A9F0000000000000A6B"))
	f.Add([]byte("20010DB8000000000000000000000001000027110000000000001000"))
	f.Add([]byte("c0a8010200002a9f0000000000000a6b"))
	f.Add([]byte("C0A8010200002A9F0000000000000AZZ"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, id []byte) {
		host, off, err := DecodeOffsetMsgID(id, nil)
		if err != nil {
			return
		}
		if len(host) != 8 && len(host) != 20 {
			t.Fatalf("host of %d bytes from a %d-digit id", len(host), len(id))
		}
		if again := AppendOffsetMsgID(nil, host, off); !bytes.Equal(again, bytes.ToUpper(id)) {
			t.Fatalf("re-encoded %q, want %q", again, bytes.ToUpper(id))
		}
	})
}
