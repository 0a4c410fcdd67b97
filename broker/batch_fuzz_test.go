package broker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// encodeBatch is the Go client's batch encoding (wire-protocol.md §8.3),
// with zero magic and CRC.
func encodeBatch(entries []batchEntry) []byte {
	var out []byte
	for _, e := range entries {
		out = binary.BigEndian.AppendUint32(out, uint32(22+len(e.body)+len(e.props)))
		out = append(out, 0, 0, 0, 0, 0, 0, 0, 0)
		out = binary.BigEndian.AppendUint32(out, uint32(e.flag))
		out = binary.BigEndian.AppendUint32(out, uint32(len(e.body)))
		out = append(out, e.body...)
		out = binary.BigEndian.AppendUint16(out, uint16(len(e.props)))
		out = append(out, e.props...)
	}
	return out
}

func TestDecodeBatchGoClientExample(t *testing.T) {
	// wire-protocol.md §8.3: body "abc", tag "tagA", as the Go client sends it.
	in := []byte{0, 0, 0, 0x23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c', 0, 0x0a,
		'T', 'A', 'G', 'S', 1, 't', 'a', 'g', 'A', 2}
	got, err := decodeBatch(nil, in)
	if err != nil || len(got) != 1 || string(got[0].body) != "abc" || string(got[0].props) != "TAGS\x01tagA\x02" {
		t.Fatalf("decoded %+v, %v", got, err)
	}
}

// FuzzDecodeBatch: the decoder never panics; what it accepts covers the
// input exactly and re-encodes to it (magic and CRC aside); what it refuses
// is ErrBadBatch.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(encodeBatch([]batchEntry{{flag: 1, body: []byte("abc"), props: []byte("TAGS\x01a\x02")}}))
	f.Add(encodeBatch([]batchEntry{{body: []byte("x")}, {body: nil, props: []byte("KEYS\x01k\x02")}}))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0})
	f.Add(append(encodeBatch([]batchEntry{{body: []byte("ok")}}), 1, 2, 3))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := decodeBatch(nil, in)
		if err != nil {
			if !errors.Is(err, ErrBadBatch) || len(got) != 0 {
				t.Fatalf("error %v with %d entries", err, len(got))
			}
			return
		}
		want := bytes.Clone(in)
		for off := 0; off < len(want); {
			clear(want[off+4 : off+12])
			off += int(binary.BigEndian.Uint32(want[off:]))
		}
		if re := encodeBatch(got); !bytes.Equal(re, want) {
			t.Fatalf("re-encoded %x, want %x", re, want)
		}
	})
}

// FuzzAppendProps: copying a properties string keeps exactly the
// well-formed pairs minus the dropped key, each terminated by 0x02.
func FuzzAppendProps(f *testing.F) {
	f.Add([]byte("TAGS\x01a\x02WAIT\x01true\x02KEYS\x01k1 k2\x02"))
	f.Add([]byte("WAIT\x01false"))
	f.Add([]byte("\x01\x02\x02x\x01"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out := appendProps(nil, in, propsRewrite{drop1: "WAIT"})
		if len(out) > len(in)+1+len(in)/2 {
			t.Fatalf("output %d bytes from %d", len(out), len(in))
		}
		if len(out) > 0 && out[len(out)-1] != 2 {
			t.Fatalf("output does not end with the separator: %q", out)
		}
		for _, pair := range bytes.Split(bytes.TrimSuffix(out, []byte{2}), []byte{2}) {
			if len(out) == 0 {
				break
			}
			name, value, ok := bytes.Cut(pair, []byte{1})
			if !ok || len(name) == 0 || len(value) == 0 || string(name) == "WAIT" {
				t.Fatalf("bad pair %q in %q", pair, out)
			}
		}
		if again := appendProps(nil, out, propsRewrite{drop1: "WAIT"}); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
	})
}
