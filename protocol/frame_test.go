package protocol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// TestBinaryHeaderMatchesDocumentedExample pins the ROCKETMQ header bytes of
// wire-protocol.md §2.2 (produced there by the Go client's rmqCodec).
func TestBinaryHeaderMatchesDocumentedExample(t *testing.T) {
	want, _ := hex.DecodeString("0000090199000000090000000100000002" + "6f6b" + "0000000e" + "00066f6666736574" + "00000002" + "3432")
	c := &Command{Code: 0, Language: LanguageGo, Version: 409, Opaque: 9, Flag: 1, Remark: "ok"}
	c.SetExtField("offset", "42")
	got := c.appendBinaryHeader(nil)
	if !bytes.Equal(got, want) {
		t.Fatalf("header\n got %x\nwant %x", got, want)
	}
	var d Command
	if err := d.decodeBinaryHeader(want); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.ExtField("offset"); v != "42" || d.Remark != "ok" || d.Version != 409 || d.Opaque != 9 || !d.IsResponse() {
		t.Fatalf("decoded %+v", d)
	}
}

// TestFrameRoundTrip checks that both codecs give back every field.
func TestFrameRoundTrip(t *testing.T) {
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		t.Run("codec="+st.String(), func(t *testing.T) {
			c := NewRequest(ReqSendMessage)
			c.SerializeType = st
			c.Language = LanguageGo
			c.Opaque = -7
			c.Flag = FlagOneway
			c.Remark = "quote\" back\\ nl\n ctl\x01 é 😀"
			c.SetExtField("topic", "T")
			c.SetExtFieldInt("queueId", -3)
			c.SetExtFieldBool("batch", true)
			c.Body = []byte("hello body")
			frame := c.AppendFrame(nil)
			n, err := SplitFrame(frame, 0)
			if err != nil || n != len(frame) {
				t.Fatalf("SplitFrame = %d, %v; want %d", n, err, len(frame))
			}
			var d Command
			if err := d.Decode(frame); err != nil {
				t.Fatal(err)
			}
			if d.Code != c.Code || d.Language != c.Language || d.Version != c.Version || d.Opaque != c.Opaque ||
				d.Flag != c.Flag || d.Remark != c.Remark || !bytes.Equal(d.Body, c.Body) || d.SerializeType != st {
				t.Fatalf("got %+v\nwant %+v", d, c)
			}
			for _, f := range c.ExtFields() {
				if v, ok := d.ExtField(f.Key); !ok || v != f.Value {
					t.Fatalf("ext %q = %q, %v; want %q", f.Key, v, ok, f.Value)
				}
			}
		})
	}
}

func TestSplitFrameErrors(t *testing.T) {
	f := func(in []byte, max, wantN int, wantErr error) {
		t.Helper()
		n, err := SplitFrame(in, max)
		if n != wantN || !errors.Is(err, wantErr) {
			t.Fatalf("SplitFrame(%x, %d) = %d, %v; want %d, %v", in, max, n, err, wantN, wantErr)
		}
	}
	f(nil, 0, 0, nil)
	f([]byte{0, 0, 0}, 0, 0, nil)
	f([]byte{0, 0, 0, 3}, 0, 0, ErrFrameTooShort)
	f([]byte{0, 0, 0, 4, 0, 0, 0}, 0, 0, nil)
	f([]byte{0, 0, 0, 4, 0, 0, 0, 0, 9}, 0, 8, nil)
	f([]byte{0xff, 0xff, 0xff, 0xff}, 0, 0, ErrFrameTooLarge)
	f([]byte{0, 0, 0, 20}, 16, 0, ErrFrameTooLarge)
	f([]byte{0, 0, 0, 12}, 16, 0, nil)
}

// TestSplitFrameByteByByte feeds the captured Go client frames one byte at
// a time and as one stream: both give the same frames, each decodable.
func TestSplitFrameByteByByte(t *testing.T) {
	golden := goldenFrames(t)
	var stream []byte
	for _, g := range golden {
		stream = append(stream, g...)
	}
	pieces := make([][]byte, len(stream))
	for i := range stream {
		pieces[i] = stream[i : i+1]
	}
	bytewise, err := splitAll(0, pieces...)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := splitAll(0, stream)
	if err != nil || len(whole) != len(golden) || len(bytewise) != len(golden) {
		t.Fatalf("got %d and %d frames, want %d (%v)", len(whole), len(bytewise), len(golden), err)
	}
	for i := range golden {
		if !bytes.Equal(whole[i], golden[i]) || !bytes.Equal(bytewise[i], golden[i]) {
			t.Fatalf("frame %d differs", i)
		}
		var c Command
		if err := c.Decode(whole[i]); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
}

// TestAppendHeaderThenBodySlicesEqualsAppendFrame: a transport may write the
// header and then the body as separate slices (writev).
func TestAppendHeaderThenBodySlicesEqualsAppendFrame(t *testing.T) {
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		c := NewResponse(RespSuccess, "")
		c.SerializeType = st
		(&PullMessageResponseHeader{NextBeginOffset: 9, MaxOffset: 10}).Encode(c)
		parts := [][]byte{[]byte("stored-"), []byte("message-"), []byte("records")}
		frame := c.AppendHeader([]byte("prefix"), len(parts[0])+len(parts[1])+len(parts[2]))[len("prefix"):]
		for _, p := range parts {
			frame = append(frame, p...)
		}
		c.Body = bytes.Join(parts, nil)
		if want := c.AppendFrame(nil); !bytes.Equal(frame, want) {
			t.Fatalf("%v: header+slices %x\nAppendFrame     %x", st, frame, want)
		}
		var d Command
		if err := d.Decode(frame); err != nil || string(d.Body) != "stored-message-records" {
			t.Fatalf("%v: %v %q", st, err, d.Body)
		}
	}
}

func TestExtFieldSemantics(t *testing.T) {
	var c Command
	c.AddExtField("k", "1")
	c.AddExtField("k", "2") // as a decoder keeps a repeated JSON key
	if v, _ := c.ExtField("k"); v != "2" {
		t.Fatalf("last duplicate should win, got %q", v)
	}
	c.SetExtField("k", "3")
	if v, _ := c.ExtField("k"); v != "3" || c.NumExtFields() != 2 {
		t.Fatalf("SetExtField: %q, %d fields", v, c.NumExtFields())
	}
	c.SetExtFieldInt("n", -42)
	c.DeleteExtField("k")
	if _, ok := c.ExtField("k"); ok || c.NumExtFields() != 1 {
		t.Fatalf("DeleteExtField left %q", c.ExtFields())
	}
	if v, _ := c.ExtField("n"); v != "-42" {
		t.Fatalf("SetExtFieldInt: %q", v)
	}
	c.Reset()
	if c.NumExtFields() != 0 || c.Flag != 0 || c.Remark != "" {
		t.Fatalf("Reset left %+v", c)
	}
}
