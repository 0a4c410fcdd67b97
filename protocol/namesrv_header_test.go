package protocol

import (
	"errors"
	"testing"
)

func TestRegisterBrokerHeaderRoundTrip(t *testing.T) {
	h := RegisterBrokerRequestHeader{
		BrokerIdentity: BrokerIdentity{BrokerName: "broker-a", BrokerAddr: "10.0.0.1:10911", ClusterName: "DefaultCluster", BrokerID: 1},
		HAServerAddr:   "10.0.0.1:10912", Compressed: true, BodyCRC32: 12345,
	}
	c := NewRequest(ReqRegisterBroker)
	h.Encode(c)
	if v, _ := c.ExtField("brokerId"); v != "1" {
		t.Errorf("brokerId ext = %q", v)
	}
	var got RegisterBrokerRequestHeader
	if err := got.Decode(c); err != nil {
		t.Fatal(err)
	}
	if got != h {
		t.Errorf("got %+v, want %+v", got, h)
	}
}

func TestRegisterBrokerHeaderRequiresFields(t *testing.T) {
	c := NewRequest(ReqRegisterBroker)
	c.AddExtField("brokerName", "b")
	c.AddExtField("brokerAddr", "a:1")
	c.AddExtField("clusterName", "c")
	c.AddExtField("brokerId", "x")
	c.AddExtField("haServerAddr", "a:2")
	var h RegisterBrokerRequestHeader
	err := h.Decode(c)
	var he *HeaderError
	if !errors.As(err, &he) || he.Field != "brokerId" || !errors.Is(err, ErrBadField) {
		t.Fatalf("err = %v, want ErrBadField on brokerId", err)
	}
	c.DeleteExtField("haServerAddr")
	c.SetExtField("brokerId", "0")
	if err := h.Decode(c); !errors.Is(err, ErrMissingField) {
		t.Fatalf("err = %v, want ErrMissingField", err)
	}
}

func TestNamesrvHeadersRoundTrip(t *testing.T) {
	c := NewRequest(ReqGetRouteInfoByTopic)
	(&GetRouteInfoRequestHeader{Topic: "t", AcceptStandardJSONOnly: true}).Encode(c)
	var route GetRouteInfoRequestHeader
	if err := route.Decode(c); err != nil || route.Topic != "t" || !route.AcceptStandardJSONOnly {
		t.Errorf("route header %+v %v", route, err)
	}

	c = NewRequest(ReqPutKVConfig)
	(&KVConfigHeader{Namespace: "ns", Key: "k", Value: "v"}).Encode(c)
	var kv KVConfigHeader
	if err := kv.DecodePut(c); err != nil || kv != (KVConfigHeader{"ns", "k", "v"}) {
		t.Errorf("kv header %+v %v", kv, err)
	}
	c.DeleteExtField("value")
	if err := kv.DecodePut(c); !errors.Is(err, ErrMissingField) {
		t.Errorf("put without value: %v", err)
	}

	c = NewRequest(ReqDeleteTopicInNamesrv)
	(&DeleteTopicFromNamesrvRequestHeader{Topic: "t"}).Encode(c)
	var del DeleteTopicFromNamesrvRequestHeader
	if err := del.Decode(c); err != nil || del.Topic != "t" || del.ClusterName != "" {
		t.Errorf("delete header %+v %v", del, err)
	}

	c = NewResponse(RespSuccess, "")
	(&RegisterBrokerResponseHeader{HAServerAddr: "h:1", MasterAddr: "m:1"}).Encode(c)
	var rr RegisterBrokerResponseHeader
	if err := rr.Decode(c); err != nil || rr.HAServerAddr != "h:1" || rr.MasterAddr != "m:1" {
		t.Errorf("register reply %+v %v", rr, err)
	}
}
