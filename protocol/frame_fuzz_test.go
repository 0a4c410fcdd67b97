package protocol

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// goldenFrames returns the request frames captured from the Go client
// (compat_test.go), for fuzz seeds.
func goldenFrames(tb testing.TB) [][]byte {
	tb.Helper()
	files, _ := filepath.Glob("testdata/go-client-v2.1.2/*.bin")
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// goldenHeaders returns the header bytes of the golden frames.
func goldenHeaders(tb testing.TB) [][]byte {
	var out [][]byte
	for _, f := range goldenFrames(tb) {
		h := int(binary.BigEndian.Uint32(f[4:]) & MaxHeaderBytes)
		out = append(out, f[8:8+h])
	}
	return out
}

// splitAll splits a stream fed in the pieces given, as a transport would:
// it appends each piece to its buffer and takes every whole frame. It
// returns the frames and the first error.
func splitAll(max int, pieces ...[]byte) (frames [][]byte, err error) {
	var buf []byte
	for _, p := range pieces {
		buf = append(buf, p...)
		for {
			n, err := SplitFrame(buf, max)
			if err != nil {
				return frames, err
			}
			if n == 0 {
				break
			}
			frames = append(frames, buf[:n:n])
			buf = buf[n:]
		}
	}
	return frames, nil
}

func FuzzSplitFrame(f *testing.F) {
	f.Add([]byte{}, uint16(0), 0)
	f.Add([]byte{0, 0, 0, 4, 0, 0, 0, 0}, uint16(3), 0)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint16(2), 0)
	f.Add([]byte{0, 0, 0, 3, 1, 2, 3}, uint16(1), 0)
	f.Add([]byte{0, 0, 0, 8, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 9}, uint16(6), 12)
	var stream []byte
	for _, g := range goldenFrames(f) {
		stream = append(stream, g...)
		f.Add(g, uint16(len(g)/2), 0)
	}
	f.Add(append(stream, 0, 1, 2, 3, 4, 5, 6, 7, 8), uint16(len(stream)/3), 1<<16)
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, max int) {
		n, err := SplitFrame(data, max)
		if n < 0 || n > len(data) || (err != nil && n != 0) {
			t.Fatalf("SplitFrame = %d, %v for %d bytes", n, err, len(data))
		}
		if n > 0 {
			if want := int(binary.BigEndian.Uint32(data)) + 4; n != want {
				t.Fatalf("n = %d, length prefix says %d", n, want)
			}
			if limit := max; limit <= 0 && n > DefaultMaxFrameBytes || limit > 0 && n > limit {
				t.Fatalf("n = %d over the limit %d", n, max)
			}
		}
		whole, wholeErr := splitAll(max, data)
		c := int(cut) % (len(data) + 1)
		halves, halvesErr := splitAll(max, data[:c], data[c:])
		if wholeErr != halvesErr || !reflect.DeepEqual(whole, halves) {
			t.Fatalf("whole: %d frames, %v; halves at %d: %d frames, %v", len(whole), wholeErr, c, len(halves), halvesErr)
		}
		for _, fr := range whole {
			var cmd Command
			_ = cmd.Decode(fr) // must not panic; errors are fine
		}
	})
}

// frameAround wraps a header in a frame of serialize type st with a body.
func frameAround(st SerializeType, header, body []byte) []byte {
	frame := binary.BigEndian.AppendUint32(nil, uint32(4+len(header)+len(body)))
	frame = binary.BigEndian.AppendUint32(frame, uint32(st)<<24|uint32(len(header)))
	frame = append(frame, header...)
	return append(frame, body...)
}

// checkReencode encodes a decoded command in codec st, decodes it and
// compares. Language codes without a name travel as OTHER in JSON; the
// binary codec carries code and version as int16.
func checkReencode(t *testing.T, c *Command, st SerializeType) {
	t.Helper()
	c.SerializeType = st
	frame := c.AppendFrame(nil)
	if n, err := SplitFrame(frame, len(frame)); err != nil || n != len(frame) {
		t.Fatalf("SplitFrame of our own frame = %d, %v", n, err)
	}
	var d Command
	if err := d.Decode(frame); err != nil {
		t.Fatalf("decode of our own %v frame: %v\n%q", st, err, frame)
	}
	want := *c
	if st == SerializeJSON && c.Language.Name() == "" {
		want.Language = LanguageOther
	}
	if st == SerializeRocketMQ {
		want.Code = int32(int16(c.Code))
		want.Version = int32(int16(c.Version))
	}
	if d.Code != want.Code || d.Language != want.Language || d.Version != want.Version || d.Opaque != want.Opaque ||
		d.Flag != want.Flag || d.Remark != want.Remark || !bytes.Equal(d.Body, want.Body) || d.SerializeType != st {
		t.Fatalf("%v round trip:\n got %+v\nwant %+v", st, d, want)
	}
	if !reflect.DeepEqual(d.ExtFields(), c.ExtFields()) && (len(d.ExtFields()) != 0 || len(c.ExtFields()) != 0) {
		t.Fatalf("%v ext round trip:\n got %q\nwant %q", st, d.ExtFields(), c.ExtFields())
	}
}

func FuzzDecodeJSONHeader(f *testing.F) {
	for _, h := range goldenHeaders(f) {
		f.Add(h)
	}
	for _, s := range []string{
		``, `{}`, `null`, `{"code":0}`, `{"flag":1,"opaque":-2147483648,"remark":null,"extFields":null}`,
		`{"code":"10","language":"CPP","version":121,"extFields":{"a":1,"b":true,"c":null,"d":{"x":[1,2]},"e":-1.5e3}}`,
		`{"remark":"\ud83d\ude00 \ud800 \u00e9 \n\"\\","serializeTypeCurrentRPC":"JSON","x":[[[{}]]]}`,
		` { "code" : 1 , "extFields" : { "k" : "v" } } `, `{"code":99999999999}`, `{"extFields":{"k":"v",}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		var c Command
		if err := c.Decode(frameAround(SerializeJSON, header, []byte("body"))); err != nil {
			return
		}
		if c.SerializeType != SerializeJSON || string(c.Body) != "body" {
			t.Fatalf("decoded %+v", c)
		}
		decodeTypedHeaders(t, &c)
		c.Detach()
		checkReencode(t, &c, SerializeJSON)
		checkReencode(t, &c, SerializeRocketMQ)
	})
}

func FuzzDecodeBinaryHeader(f *testing.F) {
	for _, h := range goldenHeaders(f) {
		var c Command
		if c.decodeJSONHeader(h) == nil {
			f.Add(c.appendBinaryHeader(nil))
		}
	}
	f.Add([]byte{})
	f.Add(make([]byte, binaryFixedBytes))
	f.Add([]byte{0, 10, 9, 1, 61, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Add([]byte{0, 10, 9, 1, 61, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 'k', 0, 0, 0, 1, 'v', 0})
	f.Fuzz(func(t *testing.T, header []byte) {
		var c Command
		if err := c.Decode(frameAround(SerializeRocketMQ, header, nil)); err != nil {
			return
		}
		if c.Body != nil {
			t.Fatalf("empty body decoded as %q", c.Body)
		}
		c.Detach()
		checkReencode(t, &c, SerializeRocketMQ)
		checkReencode(t, &c, SerializeJSON)
	})
}

// decodeTypedHeaders runs every typed-header decoder over c: none may
// panic, whatever the ext fields hold, and the one-pass send-header decoder
// must agree with its naive model.
func decodeTypedHeaders(t *testing.T, c *Command) {
	checkSendDecodeMatchesModel(t, c)
	c.Code = int32(ReqSendBatchMessage)
	checkSendDecodeMatchesModel(t, c)
	for _, h := range []interface{ Decode(*Command) error }{
		&SendMessageResponseHeader{}, &PullMessageRequestHeader{}, &PullMessageResponseHeader{},
		&QueryConsumerOffsetRequestHeader{}, &UpdateConsumerOffsetRequestHeader{}, &QueueRequestHeader{},
		&SearchOffsetRequestHeader{}, &OffsetResponseHeader{}, &GetEarliestMsgStoretimeResponseHeader{},
		&GetConsumerListByGroupRequestHeader{}, &NotifyConsumerIdsChangedRequestHeader{}, &UnregisterClientRequestHeader{},
		&ConsumerSendMsgBackRequestHeader{}, &EndTransactionRequestHeader{}, &CheckTransactionStateRequestHeader{},
		&QueryMessageRequestHeader{}, &QueryMessageResponseHeader{}, &ViewMessageByIDRequestHeader{},
		&CreateTopicRequestHeader{}, &DeleteTopicRequestHeader{}, &ResetOffsetRequestHeader{},
		&GetConsumerStatusRequestHeader{}, &GetConsumerRunningInfoRequestHeader{}, &ConsumeMessageDirectlyRequestHeader{},
	} {
		_ = h.Decode(c)
	}
}
