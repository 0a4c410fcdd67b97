package protocol

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecodeTopicRouteData checks that any input either fails with
// ErrNamesrvBody or decodes to a route that re-encodes, in both key styles,
// to bodies that decode back to the same route.
func FuzzDecodeTopicRouteData(f *testing.F) {
	f.Add([]byte(javaRouteStandard))
	f.Add([]byte(javaRouteBare))
	f.Add([]byte(``))
	f.Add([]byte(`{"queueDatas":[],"brokerDatas":[{"brokerAddrs":{}}]}`))
	f.Add([]byte(`{"brokerDatas":[{"brokerAddrs":{9223372036854775807:"x",-1:"y"}}]}`))
	f.Add([]byte(javaRouteBare + `garbage`))
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		r, err := DecodeTopicRouteData(in)
		if !bytes.Equal(in, orig) {
			t.Fatal("decoder modified its input")
		}
		if err != nil {
			return
		}
		for _, keys := range []MapKeys{MapKeysBare, MapKeysQuoted} {
			enc := AppendTopicRouteData(nil, &r, keys)
			if keys == MapKeysQuoted && !json.Valid(enc) {
				t.Fatalf("quoted encoding is not JSON: %s", enc)
			}
			back, err := DecodeTopicRouteData(enc)
			if err != nil {
				t.Fatalf("re-decode %s: %v", enc, err)
			}
			if !routesEqual(r, back) {
				t.Fatalf("round trip changed the route:\n%+v\n%+v", r, back)
			}
		}
	})
}

// routesEqual compares routes treating nil and empty collections alike and
// addresses by id (duplicate ids in the input collapse to one).
func routesEqual(a, b TopicRouteData) bool {
	norm := func(r TopicRouteData) TopicRouteData {
		if len(r.FilterServerTable) == 0 {
			r.FilterServerTable = nil
		}
		for k, v := range r.FilterServerTable {
			if len(v) == 0 {
				r.FilterServerTable[k] = nil
			}
		}
		if len(r.QueueDatas) == 0 {
			r.QueueDatas = nil
		}
		if len(r.BrokerDatas) == 0 {
			r.BrokerDatas = nil
		}
		for i := range r.BrokerDatas {
			if len(r.BrokerDatas[i].Addrs) == 0 {
				r.BrokerDatas[i].Addrs = nil
			}
		}
		return r
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// FuzzDecodeRegisterBrokerBody feeds the same bytes to both body forms:
// neither may panic, and a decoded body re-encodes (JSON and compressed) to
// bodies that decode to the same topic table.
func FuzzDecodeRegisterBrokerBody(f *testing.F) {
	f.Add([]byte(javaRegisterBody), false)
	b := sampleRegisterBody()
	f.Add(AppendRegisterBrokerBodyCompressed(nil, &b), true)
	f.Add([]byte{}, true)
	f.Add([]byte{0x78, 0xda}, true)
	f.Add([]byte(`{"topicConfigSerializeWrapper":null}`), false)
	f.Fuzz(func(t *testing.T, in []byte, compressed bool) {
		body, err := DecodeRegisterBrokerBody(in, compressed)
		if err != nil {
			return
		}
		back, err := DecodeRegisterBrokerBody(AppendRegisterBrokerBody(nil, &body), false)
		if err != nil {
			t.Fatalf("re-decode JSON: %v", err)
		}
		if !reflect.DeepEqual(back.TopicConfigSerializeWrapper.DataVersion, body.TopicConfigSerializeWrapper.DataVersion) ||
			len(back.TopicConfigSerializeWrapper.TopicConfigTable) != len(body.TopicConfigSerializeWrapper.TopicConfigTable) {
			t.Fatalf("JSON round trip changed the body:\n%+v\n%+v", body, back)
		}
	})
}

// FuzzQuoteBareKeys checks that quoting bare keys never changes valid JSON
// and never panics; the output is never shorter than the input.
func FuzzQuoteBareKeys(f *testing.F) {
	f.Add([]byte(javaRouteBare))
	f.Add([]byte(javaRouteStandard))
	f.Add([]byte(`{0:{1:[{2:"3"}]}}`))
	f.Add([]byte(`"\"{0:1}"`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := nsQuoteBareKeys(in)
		if err != nil {
			return
		}
		if len(out) < len(in) {
			t.Fatalf("output shorter than input: %q -> %q", in, out)
		}
		if json.Valid(in) && !bytes.Equal(in, out) {
			t.Fatalf("valid JSON changed: %q -> %q", in, out)
		}
	})
}

// FuzzDecodeNamesrvBodies feeds the same bytes to every other NameServer
// body decoder; each body that decodes must re-encode to bytes that decode
// to the same value.
func FuzzDecodeNamesrvBodies(f *testing.F) {
	f.Add([]byte(`{"brokerAddrTable":{"b":{"brokerAddrs":{0:"a:1"},"brokerName":"b","cluster":"c"}},"clusterAddrTable":{"c":["b"]}}`))
	f.Add([]byte(`{"brokerAddr":"a:1","topicList":["t1","t2"]}`))
	f.Add([]byte(`{"configTable":{"ns":{"k":"v"}},"table":{"k":"v"}}`))
	f.Add([]byte(`{"counter":1,"stateVersion":2,"timestamp":3}`))
	f.Add([]byte(`{"dataVersion":{"counter":1,"timestamp":2},"topicConfigTable":{"t":{"perm":6,"topicName":"t"}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if ci, err := DecodeClusterInfo(in); err == nil {
			for _, keys := range []MapKeys{MapKeysBare, MapKeysQuoted} {
				back, err := DecodeClusterInfo(AppendClusterInfo(nil, &ci, keys))
				if err != nil || len(back.BrokerAddrTable) != len(ci.BrokerAddrTable) || len(back.ClusterAddrTable) != len(ci.ClusterAddrTable) {
					t.Fatalf("cluster info round trip: %v\n%+v\n%+v", err, ci, back)
				}
			}
		}
		if tl, err := DecodeTopicList(in); err == nil {
			back, err := DecodeTopicList(AppendTopicList(nil, &tl))
			if err != nil || len(back.Topics) != len(tl.Topics) || back.BrokerAddr != tl.BrokerAddr {
				t.Fatalf("topic list round trip: %v %+v %+v", err, tl, back)
			}
		}
		if kv, err := DecodeKVConfig(in); err == nil {
			back, err := DecodeKVConfig(AppendKVConfig(nil, kv))
			if err != nil || !reflect.DeepEqual(back, kv) {
				t.Fatalf("kv config round trip: %v %+v %+v", err, kv, back)
			}
		}
		if table, err := DecodeKVTable(in); err == nil {
			back, err := DecodeKVTable(AppendKVTable(nil, table))
			if err != nil || !reflect.DeepEqual(back, table) {
				t.Fatalf("kv table round trip: %v %+v %+v", err, table, back)
			}
		}
		if dv, err := DecodeDataVersion(in); err == nil {
			back, err := DecodeDataVersion(AppendDataVersion(nil, dv))
			if err != nil || back != dv {
				t.Fatalf("data version round trip: %v %+v %+v", err, dv, back)
			}
		}
		if w, err := DecodeTopicConfigSerializeWrapper(in); err == nil {
			back, err := DecodeTopicConfigSerializeWrapper(AppendTopicConfigSerializeWrapper(nil, &w))
			if err != nil || !reflect.DeepEqual(back, w) {
				t.Fatalf("wrapper round trip: %v\n%+v\n%+v", err, w, back)
			}
		}
	})
}
