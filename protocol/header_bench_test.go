package protocol

import (
	"strconv"
	"strings"
	"testing"
)

// typicalSendRequest is the Go client's SEND_MESSAGE header.
func typicalSendRequest(c *Command) {
	c.InitRequest(ReqSendMessage)
	c.Language = LanguageGo
	c.Version = VersionV4_5_2
	c.Opaque = 123456
	(&SendMessageRequestHeader{ProducerGroup: "benchmark-producer-group", Topic: "benchmark-topic", DefaultTopic: "TBW102",
		DefaultTopicQueueNums: 4, QueueID: 3, SysFlag: 0, BornTimestamp: 1700000000123, Flag: 0,
		Properties: "UNIQ_KEY\x01C0A80105000018B4AAC2D9A0B40000\x02WAIT\x01true\x02TAGS\x01tagA\x02"}).Encode(c)
}

// typicalPullResponse is a broker's PULL_MESSAGE reply header.
func typicalPullResponse(c *Command) {
	c.InitResponse(RespSuccess, "FOUND")
	c.Opaque = 123456
	(&PullMessageResponseHeader{SuggestWhichBrokerID: 0, NextBeginOffset: 1234567, MinOffset: 0, MaxOffset: 2345678}).Encode(c)
}

var benchHeaders = []struct {
	name  string
	build func(*Command)
}{
	{"send-request", typicalSendRequest},
	{"pull-response", typicalPullResponse},
}

var benchCodecs = []SerializeType{SerializeJSON, SerializeRocketMQ}

// BenchmarkHeaderEncode: build a typical header into a pooled command and
// append its frame start to a reused buffer.
func BenchmarkHeaderEncode(b *testing.B) {
	for _, st := range benchCodecs {
		for _, h := range benchHeaders {
			b.Run("codec="+st.String()+"/header="+h.name, func(b *testing.B) {
				var c Command
				h.build(&c)
				c.SerializeType = st
				buf := c.AppendHeader(nil, 0)
				b.SetBytes(int64(len(buf)))
				b.ReportAllocs()
				for b.Loop() {
					h.build(&c)
					c.SerializeType = st
					buf = c.AppendHeader(buf[:0], 1024)
				}
			})
		}
	}
}

// BenchmarkHeaderDecode: decode a typical frame into a reused command and
// read its typed header.
func BenchmarkHeaderDecode(b *testing.B) {
	for _, st := range benchCodecs {
		for _, h := range benchHeaders {
			b.Run("codec="+st.String()+"/header="+h.name, func(b *testing.B) {
				var src Command
				h.build(&src)
				src.SerializeType = st
				frame := src.AppendFrame(nil)
				b.SetBytes(int64(len(frame)))
				b.ReportAllocs()
				var c Command
				var send SendMessageRequestHeader
				var pull PullMessageResponseHeader
				for b.Loop() {
					if err := c.Decode(frame); err != nil {
						b.Fatal(err)
					}
					var err error
					if c.IsResponse() {
						err = pull.Decode(&c)
					} else {
						err = send.Decode(&c)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestHeaderCodecAllocs fixes the steady-state allocation count of the
// per-request path at zero: decode of a frame into a reused Command plus
// its typed header, and encode of a reply into a reused Command and buffer,
// in both codecs (JSON without escapes included).
func TestHeaderCodecAllocs(t *testing.T) {
	for _, st := range benchCodecs {
		for _, h := range benchHeaders {
			var src Command
			h.build(&src)
			src.SerializeType = st
			frame := src.AppendFrame(nil)
			var c Command
			var send SendMessageRequestHeader
			var pull PullMessageResponseHeader
			decode := func() {
				if err := c.Decode(frame); err != nil {
					t.Fatal(err)
				}
				if c.IsResponse() {
					_ = pull.Decode(&c)
				} else {
					_ = send.Decode(&c)
				}
			}
			decode()
			if n := testing.AllocsPerRun(100, decode); n != 0 {
				t.Errorf("decode %v %s: %v allocs/op, want 0", st, h.name, n)
			}
			buf := src.AppendHeader(nil, 0)
			encode := func() {
				h.build(&c)
				c.SerializeType = st
				buf = c.AppendHeader(buf[:0], 100)
			}
			encode()
			if n := testing.AllocsPerRun(100, encode); n != 0 {
				t.Errorf("encode %v %s: %v allocs/op, want 0", st, h.name, n)
			}
		}
	}
}

// TestDecodeIntoFreshCommandAllocatesExtOnce: a command that owns no ext
// memory yet (a client's response, say) gets its ext entries with one
// allocation in either codec, not one per doubling, and JSON strings with
// escapes (the properties) their scratch memory with one more; with
// UseExtBuffer memory the caller allocated along with the command, the ext
// entries cost nothing.
func TestDecodeIntoFreshCommandAllocatesExtOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	for _, st := range benchCodecs {
		var src Command
		typicalSendRequest(&src) // 13 ext entries
		src.SerializeType = st
		frame := src.AppendFrame(nil)
		want := src.NumExtFields()
		c := new(Command)
		decode := func() {
			*c = Command{}
			if err := c.Decode(frame); err != nil {
				t.Fatal(err)
			}
		}
		scratch := 0.0
		if st == SerializeJSON {
			scratch = 1
		}
		if n := testing.AllocsPerRun(100, decode); n != 1+scratch {
			t.Errorf("%v: %v allocs per decode into a fresh command, want %v", st, n, 1+scratch)
		}
		if c.NumExtFields() != want {
			t.Fatalf("%v: %d ext entries, want %d", st, c.NumExtFields(), want)
		}
		var room [16]ExtField
		decodeInto := func() {
			*c = Command{}
			c.UseExtBuffer(room[:0])
			if err := c.Decode(frame); err != nil {
				t.Fatal(err)
			}
		}
		if n := testing.AllocsPerRun(100, decodeInto); n != scratch {
			t.Errorf("%v: %v allocs per decode with UseExtBuffer, want %v", st, n, scratch)
		}
		if got := c.ExtFields(); got[0] != src.ExtFields()[0] || &got[0] != &room[0] {
			t.Fatalf("%v: first ext %+v, want %+v in the caller's buffer", st, got[0], src.ExtFields()[0])
		}
	}
}

// TestDecodeManyExtMembersGrowsGeometrically: a JSON header with a great
// many ext members (a hostile one, up to 16 MiB) must not make the decoder
// re-estimate and regrow the ext slice every few dozen members, which costs
// a scan of the rest of the header each time (quadratic on the event loop);
// the slice must at least double, so the allocations stay logarithmic.
func TestDecodeManyExtMembersGrowsGeometrically(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	const members = 20000
	var src Command
	src.InitRequest(ReqSendMessage)
	for i := range members {
		src.AddExtFieldInt("k"+strconv.Itoa(i), int64(i))
	}
	for _, st := range benchCodecs {
		src.SerializeType = st
		frame := src.AppendFrame(nil)
		c := new(Command)
		n := testing.AllocsPerRun(5, func() {
			*c = Command{}
			if err := c.Decode(frame); err != nil {
				t.Fatal(err)
			}
		})
		if c.NumExtFields() != members {
			t.Fatalf("%v: %d members decoded, want %d", st, c.NumExtFields(), members)
		}
		if n > 40 {
			t.Errorf("%v: %v allocations to decode %d ext members, want a logarithmic number", st, n, members)
		}
	}
}

// TestEscapeInHugeHeaderReservesLittle: one short escaped string at the
// start of a large JSON header must not make the command reserve scratch
// memory for the whole rest of the header (a loop's reused command would
// keep it).
func TestEscapeInHugeHeaderReservesLittle(t *testing.T) {
	var src Command
	src.InitRequest(ReqSendMessage)
	src.Remark = "a\tb" // escaped as \t
	src.AddExtField("big", strings.Repeat("x", 1<<20))
	frame := src.AppendFrame(nil)
	var c Command
	if err := c.Decode(frame); err != nil {
		t.Fatal(err)
	}
	if c.Remark != src.Remark {
		t.Fatalf("remark %q", c.Remark)
	}
	if n := cap(c.scratch); n > 64<<10 {
		t.Fatalf("scratch capacity %d bytes after one 3-byte escaped string", n)
	}
}
