package protocol

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// javaRegisterBody is a REGISTER_BROKER body as a J4 broker writes it with
// compressed=false (RegisterBrokerBody.encode(false), fastjson default:
// members sorted, enum by name).
const javaRegisterBody = `{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1700000000123},"topicConfigTable":{"TBW102":{"order":false,"perm":7,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TBW102","topicSysFlag":0,"writeQueueNums":8},"orders":{"order":true,"perm":6,"readQueueNums":4,"topicFilterType":"MULTI_TAG","topicName":"orders","topicSysFlag":1,"writeQueueNums":2}}}}`

func sampleRegisterBody() RegisterBrokerBody {
	return RegisterBrokerBody{
		TopicConfigSerializeWrapper: TopicConfigSerializeWrapper{
			DataVersion: DataVersion{Timestamp: 1700000000123, Counter: 3},
			TopicConfigTable: map[string]TopicConfig{
				"TBW102": {TopicName: "TBW102", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 7, TopicFilterType: TopicFilterSingleTag},
				"orders": {TopicName: "orders", ReadQueueNums: 4, WriteQueueNums: 2, Perm: 6, TopicFilterType: TopicFilterMultiTag, TopicSysFlag: 1, Order: true},
			},
		},
		FilterServerList: []string{},
	}
}

func TestRegisterBrokerBodyMatchesJava(t *testing.T) {
	b := sampleRegisterBody()
	if got := string(AppendRegisterBrokerBody(nil, &b)); got != javaRegisterBody {
		t.Errorf("\n got %s\nwant %s", got, javaRegisterBody)
	}
	got, err := DecodeRegisterBrokerBody([]byte(javaRegisterBody), false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Errorf("decode: got %+v, want %+v", got, b)
	}
}

func TestDecodeRegisterBrokerBodyJava5Extras(t *testing.T) {
	// A 5.x broker adds stateVersion, topic attributes and queue mapping
	// info; they are ignored except stateVersion.
	body := `{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":1,"stateVersion":2,"timestamp":5},"topicConfigTable":{"t":{"attributes":{"+message.type":"NORMAL"},"order":false,"perm":6,"readQueueNums":1,"topicFilterType":"SINGLE_TAG","topicName":"t","topicSysFlag":0,"writeQueueNums":1}},"topicQueueMappingInfoMap":{}}}`
	got, err := DecodeRegisterBrokerBody([]byte(body), false)
	if err != nil {
		t.Fatal(err)
	}
	if dv := got.TopicConfigSerializeWrapper.DataVersion; dv != (DataVersion{Timestamp: 5, Counter: 1, StateVersion: 2}) {
		t.Errorf("data version %+v", dv)
	}
	if c := got.TopicConfigSerializeWrapper.TopicConfigTable["t"]; c.WriteQueueNums != 1 || c.Perm != 6 {
		t.Errorf("topic config %+v", c)
	}
}

// javaCompressed builds the compressed form by hand, following J4
// RegisterBrokerBody.encode(true) step by step.
func javaCompressed(t testing.TB, dv string, topics []string, filters string) []byte {
	t.Helper()
	var plain []byte
	put := func(s string) {
		plain = binary.BigEndian.AppendUint32(plain, uint32(len(s)))
		plain = append(plain, s...)
	}
	put(dv)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(topics)))
	for _, s := range topics {
		put(s)
	}
	put(filters)
	var out bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&out, zlib.BestCompression)
	zw.Write(plain)
	zw.Close()
	return out.Bytes()
}

func TestDecodeRegisterBrokerBodyCompressedJavaForm(t *testing.T) {
	body := javaCompressed(t, `{"counter":3,"timestamp":1700000000123}`,
		[]string{"TBW102 8 8 7 SINGLE_TAG", "orders 4 2 6 MULTI_TAG"}, `["10.0.0.9:9000"]`)
	got, err := DecodeRegisterBrokerBody(body, true)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleRegisterBody()
	// The compressed form carries neither topicSysFlag nor order.
	o := want.TopicConfigSerializeWrapper.TopicConfigTable["orders"]
	o.TopicSysFlag, o.Order = 0, false
	want.TopicConfigSerializeWrapper.TopicConfigTable["orders"] = o
	want.FilterServerList = []string{"10.0.0.9:9000"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// And our encoder's output decodes the same.
	again, err := DecodeRegisterBrokerBody(AppendRegisterBrokerBodyCompressed(nil, &want), true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, want) {
		t.Errorf("round trip: got %+v\nwant %+v", again, want)
	}
}

func TestDecodeRegisterBrokerBodyCompressedRejectsDamage(t *testing.T) {
	good := javaCompressed(t, `{"counter":1,"timestamp":2}`, []string{"t 1 1 6 SINGLE_TAG"}, `[]`)
	cases := map[string][]byte{
		"case=not-zlib":       []byte("hello"),
		"case=truncated":      good[:len(good)-6],
		"case=bad-topic-line": javaCompressed(t, `{"counter":1,"timestamp":2}`, []string{"t 1 x 6 SINGLE_TAG"}, `[]`),
		"case=bad-filter":     javaCompressed(t, `{"counter":1,"timestamp":2}`, []string{"t 1 1 6 SINGLE_TAG"}, `[`),
		"case=missing-topics": javaCompressed(t, `{"counter":1,"timestamp":2}`, nil, `[]`)[:8],
	}
	// A count that promises more topics than the stream holds.
	var plain []byte
	plain = binary.BigEndian.AppendUint32(plain, 2)
	plain = append(plain, "{}"...)
	plain = binary.BigEndian.AppendUint32(plain, 0x7fffffff)
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(plain)
	zw.Close()
	cases["case=huge-count"] = out.Bytes()
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeRegisterBrokerBody(body, true); !errors.Is(err, ErrNamesrvBody) {
				t.Errorf("err = %v, want ErrNamesrvBody", err)
			}
		})
	}
}

func TestDataVersionJSON(t *testing.T) {
	v := DataVersion{Timestamp: 1700000000123, Counter: 42}
	if got := string(AppendDataVersion(nil, v)); got != `{"counter":42,"timestamp":1700000000123}` {
		t.Errorf("got %s", got)
	}
	got, err := DecodeDataVersion([]byte(`{"counter":42,"timestamp":1700000000123}`))
	if err != nil || got != v {
		t.Errorf("decode: %+v, %v", got, err)
	}
}

func TestKVAndTopicListBodies(t *testing.T) {
	cfg := map[string]map[string]string{"ORDER_TOPIC_CONFIG": {"orders": "broker-a:4"}, "ns2": {"b": "2", "a": "1"}}
	b := AppendKVConfig(nil, cfg)
	const want = `{"configTable":{"ORDER_TOPIC_CONFIG":{"orders":"broker-a:4"},"ns2":{"a":"1","b":"2"}}}`
	if string(b) != want {
		t.Fatalf("got %s", b)
	}
	got, err := DecodeKVConfig(b)
	if err != nil || !reflect.DeepEqual(got, cfg) {
		t.Fatalf("decode: %v %v", got, err)
	}
	if s := string(AppendKVTable(nil, cfg["ns2"])); s != `{"table":{"a":"1","b":"2"}}` {
		t.Errorf("kv table %s", s)
	}
	tl := TopicList{Topics: []string{"a", "b"}}
	if s := string(AppendTopicList(nil, &tl)); s != `{"topicList":["a","b"]}` {
		t.Errorf("topic list %s", s)
	}
	tl.BrokerAddr = "1.2.3.4:10911"
	back, err := DecodeTopicList(AppendTopicList(nil, &tl))
	if err != nil || !reflect.DeepEqual(back, tl) {
		t.Errorf("topic list round trip %+v %v", back, err)
	}
}

func TestRegisterBodyCRC32MasksTo31Bits(t *testing.T) {
	// CRC32("123456789") = 0xCBF43926; Java's UtilAll.crc32 masks the sign bit.
	if got := RegisterBodyCRC32([]byte("123456789")); got != 0x4BF43926 {
		t.Errorf("got %#x, want 0x4bf43926", got)
	}
}
