package protocol

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// goldenMessage is the input of TestStoredMessageGolden; the expected bytes
// were computed by hand from the layout table (RocketMQ
// MessageExtEncoder.encode / MessageDecoder.decode, V1, IPv4 hosts).
func goldenMessage() StoredMessage {
	return StoredMessage{
		BodyCRC:        BodyCRC([]byte("Hello")),
		QueueID:        3,
		Flag:           0,
		QueueOffset:    7,
		PhysicalOffset: 1024,
		BornTimestamp:  1700000000000,
		BornHost:       AppendHost(nil, netip.MustParseAddrPort("10.0.0.1:54321")),
		StoreTimestamp: 1700000000123,
		StoreHost:      AppendHost(nil, netip.MustParseAddrPort("192.168.1.2:10911")),
		Body:           []byte("Hello"),
		Topic:          []byte("TopicTest"),
		Properties:     []byte("TAGS\x01TagA\x02"),
	}
}

func goldenBytes() []byte {
	var b []byte
	add := func(p ...byte) { b = append(b, p...) }
	add(0, 0, 0, 115)                          // TOTALSIZE = 91 + 5 + 9 + 10
	add(0xDA, 0xA3, 0x20, 0xA7)                // MAGICCODE V1
	add(0x77, 0xD1, 0x89, 0x82)                // BODYCRC crc32("Hello")=0xF7D18982 & 0x7FFFFFFF
	add(0, 0, 0, 3)                            // QUEUEID
	add(0, 0, 0, 0)                            // FLAG
	add(0, 0, 0, 0, 0, 0, 0, 7)                // QUEUEOFFSET
	add(0, 0, 0, 0, 0, 0, 4, 0)                // PHYSICALOFFSET 1024
	add(0, 0, 0, 0)                            // SYSFLAG
	add(0, 0, 1, 0x8B, 0xCF, 0xE5, 0x68, 0)    // BORNTIMESTAMP 0x18BCFE56800
	add(10, 0, 0, 1, 0, 0, 0xD4, 0x31)         // BORNHOST 10.0.0.1:54321
	add(0, 0, 1, 0x8B, 0xCF, 0xE5, 0x68, 0x7B) // STORETIMESTAMP +123
	add(192, 168, 1, 2, 0, 0, 0x2A, 0x9F)      // STOREHOST 192.168.1.2:10911
	add(0, 0, 0, 0)                            // RECONSUMETIMES
	add(0, 0, 0, 0, 0, 0, 0, 0)                // PREPARED TRANSACTION OFFSET
	add(0, 0, 0, 5)                            // BODY length
	add([]byte("Hello")...)
	add(9) // TOPIC length (1 byte, V1)
	add([]byte("TopicTest")...)
	add(0, 10) // PROPERTIES length
	add([]byte("TAGS\x01TagA\x02")...)
	return b
}

func TestStoredMessageGolden(t *testing.T) {
	m := goldenMessage()
	got := AppendStoredMessage(nil, &m)
	want := goldenBytes()
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs\n got %x\nwant %x", got, want)
	}
	if m.TotalSize != 115 || m.Magic != MagicV1 {
		t.Fatalf("TotalSize=%d Magic=%#x", m.TotalSize, m.Magic)
	}
	// Known reader positions (RocketMQ CommitLog / MessageDecoder).
	if got[16+3] != 0 || got[20+7] != 7 || got[28+6] != 4 || got[56+7] != 0x7B {
		t.Fatal("fixed field positions moved")
	}
}

func TestDecodeStoredMessageRoundTrip(t *testing.T) {
	f := func(name string, m StoredMessage) {
		t.Run(name, func(t *testing.T) {
			rec := AppendStoredMessage([]byte("prefix"), &m)[6:]
			var d StoredMessage
			if err := DecodeStoredMessage(append(rec, "trailing"...), &d); err != nil {
				t.Fatal(err)
			}
			if d.TotalSize != int32(len(rec)) || d.QueueOffset != m.QueueOffset || d.PhysicalOffset != m.PhysicalOffset ||
				d.SysFlag != m.SysFlag || d.StoreTimestamp != m.StoreTimestamp || d.ReconsumeTimes != m.ReconsumeTimes ||
				d.PreparedTransactionOffset != m.PreparedTransactionOffset || d.Magic != m.Magic ||
				!bytes.Equal(d.Body, m.Body) || !bytes.Equal(d.Topic, m.Topic) || !bytes.Equal(d.Properties, m.Properties) ||
				!bytes.Equal(d.BornHost, m.BornHost) || !bytes.Equal(d.StoreHost, m.StoreHost) {
				t.Fatalf("round trip differs:\n got %+v\nwant %+v", d, m)
			}
			if !VerifyBodyCRC(&d) {
				t.Fatal("crc mismatch")
			}
		})
	}
	f("v4", goldenMessage())
	m := goldenMessage()
	m.SysFlag = SysFlagBornHostV6 | SysFlagStoreHostV6 | SysFlagCompressed
	m.BornHost = AppendHost(nil, netip.MustParseAddrPort("[2001:db8::1]:1234"))
	m.StoreHost = AppendHost(nil, netip.MustParseAddrPort("[::1]:10911"))
	m.ReconsumeTimes, m.PreparedTransactionOffset = 2, 99
	f("v6", m)
	if got := m.Size(); got != 115+24 {
		t.Fatalf("v6 size %d", got)
	}
	m = goldenMessage()
	m.Magic = MagicV2
	m.Topic = []byte(strings.Repeat("%RETRY%x", 40))
	m.Body, m.BodyCRC = nil, BodyCRC(nil)
	f("v2-long-topic", m)
}

func TestDecodeStoredMessageRejects(t *testing.T) {
	m := goldenMessage()
	rec := AppendStoredMessage(nil, &m)
	f := func(name string, mut func([]byte) []byte, want error) {
		t.Run(name, func(t *testing.T) {
			b := mut(bytes.Clone(rec))
			var d StoredMessage
			if err := DecodeStoredMessage(b, &d); !errors.Is(err, want) {
				t.Fatalf("err = %v, want %v", err, want)
			}
		})
	}
	f("empty", func(b []byte) []byte { return nil }, ErrStoredMessageShort)
	f("truncated", func(b []byte) []byte { return b[:100] }, ErrStoredMessageSize)
	f("magic", func(b []byte) []byte { b[5] ^= 1; return b }, ErrStoredMessageMagic)
	f("blank", func(b []byte) []byte { PutBlank(b, 200); return b }, ErrStoredMessageBlank)
	f("body-len-huge", func(b []byte) []byte { b[84] = 0x7F; return b }, ErrStoredMessageShort)
	f("body-len-negative", func(b []byte) []byte { b[84] = 0xFF; return b }, ErrStoredMessageShort)
	f("total-too-big", func(b []byte) []byte { b[3]++; return append(b, 0) }, ErrStoredMessageSize)
	f("total-too-small", func(b []byte) []byte { b[3] = 10; return b }, ErrStoredMessageSize)
}

func TestPropertyValue(t *testing.T) {
	props := AppendProperty(AppendProperty(nil, PropertyTags, "TagA"), PropertyKeys, "k1 k2")
	f := func(props []byte, key, want string, wantOK bool) {
		t.Helper()
		v, ok := PropertyValue(props, key)
		if ok != wantOK || string(v) != want {
			t.Fatalf("PropertyValue(%q, %q) = %q, %v", props, key, v, ok)
		}
	}
	f(props, PropertyTags, "TagA", true)
	f(props, PropertyKeys, "k1 k2", true)
	f(props, PropertyUniqKey, "", false)
	f(props, "TAG", "", false)
	f([]byte("A\x01x\x02B\x01y"), "B", "y", true) // last pair without trailing separator
	f([]byte("\x02\x02A\x01\x02"), "A", "", true)
	f(nil, "A", "", false)
	if n := testing.AllocsPerRun(100, func() { PropertyValue(props, PropertyKeys) }); n != 0 {
		t.Fatalf("PropertyValue allocates %v", n)
	}
}

func TestJavaStringHash(t *testing.T) {
	// Expected values computed with Java's rule h = 31*h + c over UTF-16 units.
	f := func(s string, want int32) {
		t.Helper()
		if got := JavaStringHash([]byte(s)); got != want {
			t.Fatalf("JavaStringHash(%q) = %d, want %d", s, got, want)
		}
	}
	f("", 0)
	f("TagA", 2598919)
	f("hello world", 1794106052)
	f("é中😀", 27946695)
	f("abcdefghijklmnopqrstuvwxyz0123456789", 1478768498)
}

func TestOffsetMsgID(t *testing.T) {
	host := AppendHost(nil, netip.MustParseAddrPort("192.168.1.2:10911"))
	id := AppendOffsetMsgID(nil, host, 1024)
	if string(id) != "C0A8010200002A9F0000000000000400" {
		t.Fatalf("id = %s", id)
	}
	h, off, err := DecodeOffsetMsgID([]byte(strings.ToLower(string(id))), nil)
	if err != nil || off != 1024 || !bytes.Equal(h, host) {
		t.Fatalf("decode = %x %d %v", h, off, err)
	}
	ap, err := HostAddrPort(h)
	if err != nil || ap.String() != "192.168.1.2:10911" {
		t.Fatalf("host = %v %v", ap, err)
	}
	v6 := AppendHost(nil, netip.MustParseAddrPort("[2001:db8::1]:9"))
	if id := AppendOffsetMsgID(nil, v6, 1); len(id) != 56 {
		t.Fatalf("v6 id length %d", len(id))
	}
	for _, bad := range []string{"", "XYZ", strings.Repeat("G", 32)} {
		if _, _, err := DecodeOffsetMsgID([]byte(bad), nil); !errors.Is(err, ErrOffsetMsgID) {
			t.Fatalf("%q: err = %v", bad, err)
		}
	}
}

func TestValidateStoredMessage(t *testing.T) {
	f := func(name string, mut func(*StoredMessage), want error) {
		t.Run(name, func(t *testing.T) {
			m := goldenMessage()
			mut(&m)
			if err := ValidateStoredMessage(&m); !errors.Is(err, want) {
				t.Fatalf("err = %v, want %v", err, want)
			}
		})
	}
	f("ok", func(m *StoredMessage) {}, nil)
	f("retry-topic", func(m *StoredMessage) { m.Topic = []byte("%RETRY%group_1|x") }, nil)
	f("empty-topic", func(m *StoredMessage) { m.Topic = nil }, ErrTopicEmpty)
	f("topic-128", func(m *StoredMessage) { m.Topic = bytes.Repeat([]byte("a"), 128) }, ErrTopicTooLong)
	f("topic-127", func(m *StoredMessage) { m.Topic = bytes.Repeat([]byte("a"), 127) }, nil)
	f("topic-space", func(m *StoredMessage) { m.Topic = []byte("a b") }, ErrTopicChars)
	f("topic-dot", func(m *StoredMessage) { m.Topic = []byte("a.b") }, ErrTopicChars)
	f("props-32768", func(m *StoredMessage) { m.Properties = make([]byte, 32768) }, ErrPropertiesTooLong)
	f("v6-flag-v4-host", func(m *StoredMessage) { m.SysFlag = SysFlagBornHostV6 }, ErrHostFlags)
}

func TestPutStoredMessageAllocs(t *testing.T) {
	m := goldenMessage()
	buf := make([]byte, 4096)
	if n := testing.AllocsPerRun(100, func() { PutStoredMessage(buf, &m) }); n != 0 {
		t.Fatalf("PutStoredMessage allocates %v", n)
	}
	var d StoredMessage
	if n := testing.AllocsPerRun(100, func() { _ = DecodeStoredMessage(buf, &d) }); n != 0 {
		t.Fatalf("DecodeStoredMessage allocates %v", n)
	}
}
