package namesrv

import (
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// TestServerKeepsNoRequestMemory: what a request leaves in the tables (a
// registration's names and addresses, a KV entry) must be copied out of the
// event loop's read buffer, which the next read overwrites. Each request is
// followed by one of the same shape and length, whose bytes land where the
// first one's were; the first one's data must still read back intact.
func TestServerKeepsNoRequestMemory(t *testing.T) {
	for _, st := range []protocol.SerializeType{protocol.SerializeRocketMQ, protocol.SerializeJSON} {
		t.Run("codec="+st.String(), func(t *testing.T) {
			s, _ := testServer(t, Config{})
			cl := testClient(t)
			for _, b := range []brokerSpec{
				{cluster: "cluster-1", name: "broker-a", addr: "10.0.0.1:10911", counter: 1, topics: map[string]int32{"topic-a": 4}},
				{cluster: "cluster-2", name: "broker-b", addr: "10.0.0.2:10911", counter: 1, topics: map[string]int32{"topic-b": 4}},
				{cluster: "cluster-1", name: "broker-a", addr: "10.0.0.3:10911", id: 1, counter: 1},
				{cluster: "cluster-2", name: "broker-b", addr: "10.0.0.4:10911", id: 1, counter: 1},
			} {
				req := registerRequest(b)
				req.SerializeType = st
				if resp := invoke(t, cl, s.Addr(), req); resp.Code != int32(protocol.RespSuccess) {
					t.Fatalf("register %s: %d %s", b.addr, resp.Code, resp.Remark)
				}
			}
			for _, kv := range [][3]string{{"ns-1", "key-1", "value-1"}, {"ns-2", "key-2", "value-2"}} {
				req := protocol.NewRequest(protocol.ReqPutKVConfig)
				req.SerializeType = st
				(&protocol.KVConfigHeader{Namespace: kv[0], Key: kv[1], Value: kv[2]}).Encode(req)
				if resp := invoke(t, cl, s.Addr(), req); resp.Code != int32(protocol.RespSuccess) {
					t.Fatalf("put %v: %d %s", kv, resp.Code, resp.Remark)
				}
			}

			ci := s.ClusterInfo()
			want := map[string]protocol.BrokerData{
				"broker-a": {Cluster: "cluster-1", BrokerName: "broker-a",
					Addrs: []protocol.BrokerAddr{{ID: 0, Addr: "10.0.0.1:10911"}, {ID: 1, Addr: "10.0.0.3:10911"}}},
				"broker-b": {Cluster: "cluster-2", BrokerName: "broker-b",
					Addrs: []protocol.BrokerAddr{{ID: 0, Addr: "10.0.0.2:10911"}, {ID: 1, Addr: "10.0.0.4:10911"}}},
			}
			for name, bd := range want {
				got, ok := ci.BrokerAddrTable[name]
				if !ok || got.Cluster != bd.Cluster || got.BrokerName != bd.BrokerName || len(got.Addrs) != 2 ||
					got.Addrs[0] != bd.Addrs[0] || got.Addrs[1] != bd.Addrs[1] {
					t.Errorf("broker %s: %+v, want %+v (table %+v)", name, got, bd, ci.BrokerAddrTable)
				}
			}
			if c := ci.ClusterAddrTable; len(c) != 2 || len(c["cluster-1"]) != 1 || c["cluster-1"][0] != "broker-a" ||
				len(c["cluster-2"]) != 1 || c["cluster-2"][0] != "broker-b" {
				t.Errorf("clusters %v", c)
			}
			// The slave of broker-a learns its master's HA address, which
			// the master's registration left in the table.
			slave := registerRequest(brokerSpec{cluster: "cluster-1", name: "broker-a", addr: "10.0.0.3:10911", id: 1, counter: 1})
			slave.SerializeType = st
			resp := invoke(t, cl, s.Addr(), slave)
			var h protocol.RegisterBrokerResponseHeader
			if err := h.Decode(resp); err != nil || h.MasterAddr != "10.0.0.1:10911" || h.HAServerAddr != "10.0.0.1:10911-ha" {
				t.Errorf("slave learned master %q HA %q (%v)", h.MasterAddr, h.HAServerAddr, err)
			}
			for _, kv := range [][3]string{{"ns-1", "key-1", "value-1"}, {"ns-2", "key-2", "value-2"}} {
				if v, ok := s.kv.get(kv[0], kv[1]); !ok || v != kv[2] {
					t.Errorf("kv %s/%s = %q, %v; want %q", kv[0], kv[1], v, ok, kv[2])
				}
			}
		})
	}
}
