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
