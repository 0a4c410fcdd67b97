package namesrv

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// reg builds a registration of broker name/id at addr in cluster c1 with
// the given topics (name -> queue count, perm 6).
func reg(name string, id int64, addr string, conn uint64, counter int64, topics map[string]int32) *registration {
	r := &registration{
		BrokerIdentity: protocol.BrokerIdentity{BrokerName: name, BrokerAddr: addr, ClusterName: "c1", BrokerID: id},
		HAServerAddr:   addr + "-ha",
		ConnID:         conn,
		Topics: &protocol.TopicConfigSerializeWrapper{
			DataVersion:      protocol.DataVersion{Timestamp: 1, Counter: counter},
			TopicConfigTable: map[string]protocol.TopicConfig{},
		},
	}
	for topic, n := range topics {
		r.Topics.TopicConfigTable[topic] = protocol.TopicConfig{TopicName: topic, ReadQueueNums: n, WriteQueueNums: n, Perm: 6}
	}
	return r
}

func TestRegisterMasterBuildsRoute(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 0, "10.0.0.1:10911", 1, 1, map[string]int32{"orders": 4}), t0)
	got, ok := rt.route("orders")
	if !ok {
		t.Fatal("no route")
	}
	want := protocol.TopicRouteData{
		QueueDatas: []protocol.QueueData{{BrokerName: "broker-a", ReadQueueNums: 4, WriteQueueNums: 4, Perm: 6}},
		BrokerDatas: []protocol.BrokerData{{Cluster: "c1", BrokerName: "broker-a",
			Addrs: []protocol.BrokerAddr{{ID: 0, Addr: "10.0.0.1:10911"}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if _, ok := rt.route("unknown"); ok {
		t.Error("route for an unknown topic")
	}
}

func TestSlaveTopicsIgnoredAndSlaveLearnsMasterHA(t *testing.T) {
	rt := newRouteTable()
	res := rt.register(reg("broker-a", 1, "10.0.0.2:10911", 2, 1, map[string]int32{"slave-only": 4}), t0)
	if res != (registerResult{New: true}) {
		t.Errorf("slave without master got %+v", res)
	}
	if _, ok := rt.route("slave-only"); ok {
		t.Error("a slave's topics made a route")
	}
	rt.register(reg("broker-a", 0, "10.0.0.1:10911", 1, 1, map[string]int32{"orders": 4}), t0)
	res = rt.register(reg("broker-a", 1, "10.0.0.2:10911", 2, 1, nil), t0)
	if res.MasterAddr != "10.0.0.1:10911" || res.HAServerAddr != "10.0.0.1:10911-ha" {
		t.Errorf("slave got %+v", res)
	}
	r, _ := rt.route("orders")
	if want := []protocol.BrokerAddr{{ID: 0, Addr: "10.0.0.1:10911"}, {ID: 1, Addr: "10.0.0.2:10911"}}; !reflect.DeepEqual(r.BrokerDatas[0].Addrs, want) {
		t.Errorf("addrs %+v", r.BrokerDatas[0].Addrs)
	}
}

func TestQueueDataRebuiltOnlyWhenDataVersionChanges(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 0, "a:1", 1, 1, map[string]int32{"t": 4}), t0)
	// Same version, different table: ignored, as Java does.
	rt.register(reg("broker-a", 0, "a:1", 1, 1, map[string]int32{"t": 8, "u": 1}), t0)
	if r, _ := rt.route("t"); r.QueueDatas[0].WriteQueueNums != 4 {
		t.Errorf("same version rebuilt queue data: %+v", r.QueueDatas)
	}
	if _, ok := rt.route("u"); ok {
		t.Error("same version added a topic")
	}
	rt.register(reg("broker-a", 0, "a:1", 1, 2, map[string]int32{"t": 8, "u": 1}), t0)
	if r, _ := rt.route("t"); r.QueueDatas[0].WriteQueueNums != 8 {
		t.Errorf("new version not applied: %+v", r.QueueDatas)
	}
}

func TestSlavePromotedKeepsOneIDPerAddress(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 1, "a:2", 2, 1, nil), t0)
	rt.register(reg("broker-a", 0, "a:2", 2, 1, map[string]int32{"t": 1}), t0)
	r, _ := rt.route("t")
	if want := []protocol.BrokerAddr{{ID: 0, Addr: "a:2"}}; !reflect.DeepEqual(r.BrokerDatas[0].Addrs, want) {
		t.Errorf("addrs %+v", r.BrokerDatas[0].Addrs)
	}
}

func TestExpireRemovesSilentBrokerAndItsTopics(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 0, "a:1", 1, 1, map[string]int32{"t": 4, "shared": 2}), t0)
	rt.register(reg("broker-b", 0, "b:1", 2, 1, map[string]int32{"shared": 2}), t0)
	// broker-b keeps heartbeating; broker-a falls silent.
	rt.register(reg("broker-b", 0, "b:1", 2, 1, nil), t0.Add(100*time.Second))
	if gone := rt.expire(t0.Add(120*time.Second), 120*time.Second); len(gone) != 0 {
		t.Fatalf("expired at exactly the timeout: %v", gone)
	}
	gone := rt.expire(t0.Add(120*time.Second+time.Millisecond), 120*time.Second)
	if len(gone) != 1 || gone[0].addr != "a:1" || gone[0].connID != 1 {
		t.Fatalf("expired %+v, want a:1", gone)
	}
	if _, ok := rt.route("t"); ok {
		t.Error("topic of the expired broker still routed")
	}
	r, ok := rt.route("shared")
	if !ok || len(r.QueueDatas) != 1 || r.QueueDatas[0].BrokerName != "broker-b" {
		t.Errorf("shared route %+v", r)
	}
	if ci := rt.clusterInfo(); !reflect.DeepEqual(ci.ClusterAddrTable["c1"], []string{"broker-b"}) {
		t.Errorf("cluster table %+v", ci.ClusterAddrTable)
	}
}

func TestConnClosedRemovesAtOnce(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 0, "a:1", 7, 1, map[string]int32{"t": 4}), t0)
	rt.register(reg("broker-a", 1, "a:2", 8, 1, nil), t0)
	if gone := rt.connClosed(9); len(gone) != 0 {
		t.Fatalf("unrelated connection removed %v", gone)
	}
	if gone := rt.connClosed(7); !reflect.DeepEqual(gone, []string{"a:1"}) {
		t.Fatalf("removed %v", gone)
	}
	// The slave keeps the group (and its queue data) alive, master-less.
	r, ok := rt.route("t")
	if !ok || !reflect.DeepEqual(r.BrokerDatas[0].Addrs, []protocol.BrokerAddr{{ID: 1, Addr: "a:2"}}) {
		t.Errorf("route after master left: %+v %v", r, ok)
	}
	rt.connClosed(8)
	if _, ok := rt.route("t"); ok {
		t.Error("route survives its last broker")
	}
	if ci := rt.clusterInfo(); len(ci.ClusterAddrTable) != 0 || len(ci.BrokerAddrTable) != 0 {
		t.Errorf("cluster info not empty: %+v", ci)
	}
}

func TestUnregisterAndDeleteTopic(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 0, "a:1", 1, 1, map[string]int32{"t": 4, "u": 1}), t0)
	rt.register(reg("broker-b", 0, "b:1", 2, 1, map[string]int32{"t": 4}), t0)
	rt.deleteTopic("u", "")
	if got := rt.allTopics(); !slices.Equal(got, []string{"t"}) {
		t.Errorf("topics %v", got)
	}
	rt.unregister(&protocol.BrokerIdentity{BrokerName: "broker-b", BrokerAddr: "b:1", ClusterName: "c1", BrokerID: 0})
	r, _ := rt.route("t")
	if len(r.QueueDatas) != 1 || r.QueueDatas[0].BrokerName != "broker-a" {
		t.Errorf("after unregister %+v", r)
	}
	rt.deleteTopic("t", "other-cluster")
	if _, ok := rt.route("t"); !ok {
		t.Error("delete in another cluster removed the topic")
	}
	rt.deleteTopic("t", "c1")
	if _, ok := rt.route("t"); ok {
		t.Error("delete in the topic's cluster left it")
	}
}

func TestTopicsByClusterAndWritePerm(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 0, "a:1", 1, 1, map[string]int32{"t": 4, "u": 1}), t0)
	r2 := reg("broker-z", 0, "z:1", 2, 1, map[string]int32{"z": 1})
	r2.ClusterName = "c2"
	rt.register(r2, t0)
	if got := rt.topicsByCluster("c1"); !slices.Equal(got, []string{"t", "u"}) {
		t.Errorf("c1 topics %v", got)
	}
	if n := rt.setWritePerm("broker-a", false); n != 2 {
		t.Errorf("wiped %d topics", n)
	}
	if r, _ := rt.route("t"); r.QueueDatas[0].Perm != protocol.PermRead {
		t.Errorf("perm after wipe %d", r.QueueDatas[0].Perm)
	}
	rt.setWritePerm("broker-a", true)
	if r, _ := rt.route("t"); r.QueueDatas[0].Perm != protocol.PermRead|protocol.PermWrite {
		t.Errorf("perm after add %d", r.QueueDatas[0].Perm)
	}
}

func TestQueryDataVersionRefreshesLiveness(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 0, "a:1", 1, 5, map[string]int32{"t": 4}), t0)
	v := protocol.DataVersion{Timestamp: 1, Counter: 5}
	if rt.queryDataVersion("a:1", v, t0.Add(100*time.Second)) {
		t.Error("same version reported changed")
	}
	if gone := rt.expire(t0.Add(200*time.Second), 120*time.Second); len(gone) != 0 {
		t.Errorf("refreshed broker expired: %v", gone)
	}
	if !rt.queryDataVersion("a:1", protocol.DataVersion{Counter: 6}, t0) {
		t.Error("new version reported unchanged")
	}
	if got, ok := rt.dataVersion("a:1"); !ok || got != v {
		t.Errorf("stored version %+v %v", got, ok)
	}
}

func TestAppendRouteMatchesRouteAndAllocatesNothing(t *testing.T) {
	rt := newRouteTable()
	rt.register(reg("broker-a", 0, "a:1", 1, 1, map[string]int32{"t": 4}), t0)
	rt.register(reg("broker-b", 0, "b:1", 2, 1, map[string]int32{"t": 2}), t0)
	var sc routeScratch
	b, ok := rt.appendRoute(nil, &sc, "t", "", protocol.MapKeysBare)
	if !ok {
		t.Fatal("no route")
	}
	want, _ := rt.route("t")
	if string(b) != string(protocol.AppendTopicRouteData(nil, &want, protocol.MapKeysBare)) {
		t.Errorf("appendRoute %s", b)
	}
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		buf, _ = rt.appendRoute(buf[:0], &sc, "t", "", protocol.MapKeysBare)
	})
	if allocs != 0 {
		t.Errorf("appendRoute allocates %.1f times per call", allocs)
	}
}

func TestFilterServersFollowRegistrations(t *testing.T) {
	rt := newRouteTable()
	r := reg("broker-a", 0, "a:1", 1, 1, map[string]int32{"t": 4})
	r.FilterServers = []string{"a:9000", "a:9001"}
	rt.register(r, t0)
	got, _ := rt.route("t")
	if want := map[string][]string{"a:1": {"a:9000", "a:9001"}}; !reflect.DeepEqual(got.FilterServerTable, want) {
		t.Errorf("filter servers %v, want %v", got.FilterServerTable, want)
	}
	var sc routeScratch
	b, _ := rt.appendRoute(nil, &sc, "t", "", protocol.MapKeysBare)
	if !strings.Contains(string(b), `"filterServerTable":{"a:1":["a:9000","a:9001"]}`) {
		t.Errorf("encoded route %s", b)
	}
	r.FilterServers = nil // a body without the list leaves them
	rt.register(r, t0)
	if got, _ := rt.route("t"); len(got.FilterServerTable) != 1 {
		t.Errorf("nil list dropped the filter servers: %v", got.FilterServerTable)
	}
	r.FilterServers = []string{} // an empty list removes them
	rt.register(r, t0)
	if got, _ := rt.route("t"); len(got.FilterServerTable) != 0 {
		t.Errorf("empty list kept the filter servers: %v", got.FilterServerTable)
	}
}

// TestRenamedBrokerLeavesNoStaleGroup: a broker restarted under another
// brokerName at the same address (its old registration not yet expired)
// is in two groups, with one liveness entry for the address. When that
// address goes (connection closed, or expiry) it must leave both groups:
// left in one, with no liveness entry, nothing would ever remove it and
// its topics would be routed to a dead address for good.
func TestRenamedBrokerLeavesNoStaleGroup(t *testing.T) {
	for _, how := range []string{"connClosed", "expire"} {
		t.Run("by="+how, func(t *testing.T) {
			rt := newRouteTable()
			rt.register(reg("broker-old", 0, "a:1", 1, 1, map[string]int32{"t-old": 4}), t0)
			rt.register(reg("broker-new", 0, "a:1", 2, 1, map[string]int32{"t-new": 4}), t0)
			rt.register(reg("broker-b", 0, "b:1", 3, 1, map[string]int32{"t-b": 4}), t0.Add(time.Minute))
			switch how {
			case "connClosed":
				rt.connClosed(2)
			case "expire":
				rt.expire(t0.Add(121*time.Second), 120*time.Second)
			}
			for _, topic := range []string{"t-old", "t-new"} {
				if r, ok := rt.route(topic); ok {
					t.Errorf("topic %s still routed: %+v", topic, r)
				}
			}
			if _, ok := rt.route("t-b"); !ok {
				t.Error("the live broker's topic lost its route")
			}
			ci := rt.clusterInfo()
			if _, ok := ci.BrokerAddrTable["broker-b"]; len(ci.BrokerAddrTable) != 1 || !ok {
				t.Errorf("broker table %+v, want broker-b only", ci.BrokerAddrTable)
			}
			if !reflect.DeepEqual(ci.ClusterAddrTable["c1"], []string{"broker-b"}) {
				t.Errorf("cluster table %+v", ci.ClusterAddrTable)
			}
		})
	}
}
