package protocol

import (
	"errors"
	"strings"
	"testing"
)

func decodeJSONHeaderString(t *testing.T, h string) (*Command, error) {
	t.Helper()
	var c Command
	err := c.Decode(frameAround(SerializeJSON, []byte(h), nil))
	return &c, err
}

// TestDecodeJSONHeaderJavaResponse: fastjson writes members sorted, omits
// null members (no remark, no extFields) and adds serializeTypeCurrentRPC
// (J4 RemotingSerializable.toJson).
func TestDecodeJSONHeaderJavaResponse(t *testing.T) {
	c, err := decodeJSONHeaderString(t, `{"code":0,"extFields":{"queueOffset":"7","msgId":"AB"},"flag":1,"language":"JAVA","opaque":12,"serializeTypeCurrentRPC":"JSON","version":409}`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Code != 0 || c.Language != LanguageJava || c.Version != 409 || c.Opaque != 12 || !c.IsResponse() || c.Remark != "" {
		t.Fatalf("got %+v", c)
	}
	if v, _ := c.ExtField("queueOffset"); v != "7" {
		t.Fatalf("queueOffset = %q", v)
	}
	// Without flag and remark and extFields a header is a request.
	c, err = decodeJSONHeaderString(t, `{"code":105,"language":"CPP","opaque":3,"version":121}`)
	if err != nil || c.IsResponse() || c.Language != LanguageCPP || c.Version != 121 || c.NumExtFields() != 0 {
		t.Fatalf("got %+v, %v", c, err)
	}
}

// TestDecodeJSONHeaderLenient covers what other clients send: whitespace,
// unknown nested members, non-string ext values, numbers as strings,
// unknown languages, escapes with surrogate pairs.
func TestDecodeJSONHeaderLenient(t *testing.T) {
	h := "\r\n{ \"unknown\" : { \"a\" : [ 1 , { \"b\" : null } , \"x\\\"y\" ] } ,\t\"code\" : \"11\" , \"language\" : \"RUST2\" ,\n" +
		`"extFields" : { "n" : 42 , "neg" : -1 , "t" : true , "f" : false , "skip" : null , "s" : "a\u00e9\ud83d\ude00\n\/" , "o" : {"k":[1]} } ,` +
		` "remark" : "r\u0000" , "flag" : 2 , "opaque" : -5 , "version" : 0 } `
	c, err := decodeJSONHeaderString(t, h)
	if err != nil {
		t.Fatal(err)
	}
	if c.Code != 11 || c.Language != LanguageUnknown || c.Opaque != -5 || !c.IsOneway() || c.Remark != "r\x00" {
		t.Fatalf("got %+v", c)
	}
	want := map[string]string{"n": "42", "neg": "-1", "t": "true", "f": "false", "s": "aé😀\n/", "o": `{"k":[1]}`}
	for k, v := range want {
		if got, ok := c.ExtField(k); !ok || got != v {
			t.Errorf("ext %s = %q, %v; want %q", k, got, ok, v)
		}
	}
	if _, ok := c.ExtField("skip"); ok || c.NumExtFields() != len(want) {
		t.Fatalf("null ext value kept: %q", c.ExtFields())
	}
	// A lone surrogate becomes U+FFFD, as encoding/json does.
	c, err = decodeJSONHeaderString(t, `{"remark":"\ud800x\udc00"}`)
	if err != nil || c.Remark != "\ufffdx\ufffd" {
		t.Fatalf("lone surrogates: %q, %v", c.Remark, err)
	}
}

func TestDecodeJSONHeaderRejects(t *testing.T) {
	for _, h := range []string{``, `{`, `{"code":1`, `{"code":1.5}`, `{"code":99999999999}`, `{"code":1,}`,
		`{"remark":"\x"}`, `{"remark":"\u12"}`, `{"extFields":[1]}`, `{} {}`, `{"a" 1}`,
		`{"x":` + strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2) + `}`} {
		if _, err := decodeJSONHeaderString(t, h); err == nil {
			t.Errorf("%q decoded without error", h)
		}
	}
	if _, err := decodeJSONHeaderString(t, `{"x":`+strings.Repeat("[", maxJSONDepth+2)+strings.Repeat("]", maxJSONDepth+2)+`}`); !errors.Is(err, ErrJSONDepth) {
		t.Errorf("deep nesting: %v", err)
	}
}

// TestEncodeJSONHeaderGoClientShape: key order code, language, version,
// opaque, flag, remark, extFields (GO internal/remote/codec.go), flag and
// opaque always present, ext values always strings, escapes valid JSON.
func TestEncodeJSONHeaderGoClientShape(t *testing.T) {
	c := NewResponse(RespTopicNotExist, "no \"route\"\n")
	c.Opaque = 0
	c.SetExtFieldInt("n", 7)
	c.SetExtFieldBool("b", false)
	got := string(c.appendJSONHeader(nil))
	want := `{"code":17,"language":"JAVA","version":409,"opaque":0,"flag":1,"remark":"no \"route\"\n","extFields":{"n":"7","b":"false"}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	c = &Command{Language: LanguageCode(200)}
	if got := string(c.appendJSONHeader(nil)); got != `{"code":0,"language":"OTHER","version":0,"opaque":0,"flag":0,"extFields":{}}` {
		t.Fatalf("got %s", got)
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	var c Command
	good := NewRequest(ReqHeartBeat).AppendFrame(nil)
	if err := c.Decode(good[:len(good)-1]); !errors.Is(err, ErrFrameLength) {
		t.Errorf("short frame: %v", err)
	}
	bad := append([]byte(nil), good...)
	bad[4] = 2
	if err := c.Decode(bad); !errors.Is(err, ErrSerializeType) {
		t.Errorf("serialize type 2: %v", err)
	}
	bad = append([]byte(nil), good...)
	bad[7]++
	if err := c.Decode(bad); !errors.Is(err, ErrHeaderLength) {
		t.Errorf("header length: %v", err)
	}
	if err := c.Decode(frameAround(SerializeRocketMQ, make([]byte, 20), nil)); !errors.Is(err, ErrBinaryHeader) {
		t.Errorf("short binary header: %v", err)
	}
}

// TestDetachSurvivesFrameReuse: after Detach a command no longer aliases
// the frame a transport reuses.
func TestDetachSurvivesFrameReuse(t *testing.T) {
	for _, st := range []SerializeType{SerializeJSON, SerializeRocketMQ} {
		src := NewRequest(ReqSendMessage)
		src.SerializeType = st
		src.Remark = "remark\t"
		src.SetExtField("topic", "orders")
		src.Body = []byte("payload")
		frame := src.AppendFrame(nil)
		var c Command
		if err := c.Decode(frame); err != nil {
			t.Fatal(err)
		}
		clone := c.Clone()
		c.Detach()
		clear(frame)
		for _, d := range []*Command{&c, clone} {
			if v, _ := d.ExtField("topic"); v != "orders" || d.Remark != "remark\t" || string(d.Body) != "payload" {
				t.Fatalf("%v: detached command changed with its frame: %+v", st, d)
			}
		}
	}
}

func TestCodeNames(t *testing.T) {
	if ReqGetRouteInfoByTopic.String() != "GET_ROUTEINFO_BY_TOPIC" || RequestCode(9999).String() != "REQUEST_9999" ||
		RespTopicNotExist.Name() != "TOPIC_NOT_EXIST" || !RespTopicNotExist.Retriable() || RespPullNotFound.Retriable() ||
		ResponseCode(-1).String() != "RESPONSE_-1" || LanguageGo.String() != "GO" || LanguageCode(99).String() != "LANGUAGE_99" {
		t.Fatal("code table names")
	}
}
