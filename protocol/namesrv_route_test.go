package protocol

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The standard-form body from wire-protocol.md §5.1, as the Java NameServer
// writes it for V4_9_4+ requests (J4 namesrv DefaultRequestProcessor
// getRouteInfoByTopic, fastjson BrowserCompatible|QuoteFieldNames|MapSortField).
const javaRouteStandard = `{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`

// The same route in fastjson's default form, which the Java NameServer sends
// to every Go v2.1.2 client (request version 317 < 401).
const javaRouteBare = `{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`

func sampleRoute() TopicRouteData {
	return TopicRouteData{
		QueueDatas: []QueueData{{BrokerName: "broker-a", ReadQueueNums: 4, WriteQueueNums: 4, Perm: 6}},
		BrokerDatas: []BrokerData{{Cluster: "DefaultCluster", BrokerName: "broker-a",
			Addrs: []BrokerAddr{{ID: 0, Addr: "10.0.0.1:10911"}}}},
	}
}

func TestAppendTopicRouteDataMatchesJava(t *testing.T) {
	r := sampleRoute()
	if got := string(AppendTopicRouteData(nil, &r, MapKeysQuoted)); got != javaRouteStandard {
		t.Errorf("quoted:\n got %s\nwant %s", got, javaRouteStandard)
	}
	if got := string(AppendTopicRouteData(nil, &r, MapKeysBare)); got != javaRouteBare {
		t.Errorf("bare:\n got %s\nwant %s", got, javaRouteBare)
	}
}

func TestAppendTopicRouteDataAppendsToDst(t *testing.T) {
	r := sampleRoute()
	got := AppendTopicRouteData([]byte("prefix"), &r, MapKeysQuoted)
	if string(got) != "prefix"+javaRouteStandard {
		t.Fatalf("got %s", got)
	}
}

func TestAppendTopicRouteDataSlaveAndOrderConf(t *testing.T) {
	r := sampleRoute()
	r.BrokerDatas[0].Addrs = append(r.BrokerDatas[0].Addrs, BrokerAddr{ID: 1, Addr: "10.0.0.2:10911"})
	r.OrderTopicConf = "broker-a:4"
	r.FilterServerTable = map[string][]string{"10.0.0.1:10911": {"10.0.0.1:9000"}}
	const want = `{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{"10.0.0.1:10911":["10.0.0.1:9000"]},"orderTopicConf":"broker-a:4","queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}`
	if got := string(AppendTopicRouteData(nil, &r, MapKeysBare)); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestAppendTopicRouteDataEmptyListsAreArrays(t *testing.T) {
	// Go v2.1.2 fails to decode a route whose queueDatas is null or absent.
	var r TopicRouteData
	const want = `{"brokerDatas":[],"filterServerTable":{},"queueDatas":[]}`
	if got := string(AppendTopicRouteData(nil, &r, MapKeysBare)); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDecodeTopicRouteDataBothKeyStyles(t *testing.T) {
	want := sampleRoute()
	want.FilterServerTable = map[string][]string{}
	for name, body := range map[string]string{"style=quoted": javaRouteStandard, "style=bare": javaRouteBare} {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeTopicRouteData([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestDecodeTopicRouteDataOldSynFlagSpelling(t *testing.T) {
	body := `{"brokerDatas":[],"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":1,"topicSynFlag":3,"writeQueueNums":1}]}`
	got, err := DecodeTopicRouteData([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got.QueueDatas[0].TopicSysFlag != 3 {
		t.Errorf("TopicSysFlag = %d, want 3", got.QueueDatas[0].TopicSysFlag)
	}
}

func TestDecodeTopicRouteDataRejectsGarbage(t *testing.T) {
	for _, body := range []string{``, `{`, `{"queueDatas":[}`, `{{"a":1}:2}`, `]`, `{"brokerDatas":[{"brokerAddrs":{x:"a"}}]}`} {
		if _, err := DecodeTopicRouteData([]byte(body)); err == nil {
			t.Errorf("%q: no error", body)
		}
	}
}

func TestEncodedRouteIsValidJSONWhenQuoted(t *testing.T) {
	r := sampleRoute()
	r.BrokerDatas[0].BrokerName = "b\"\\\n\x01é\xff"
	b := AppendTopicRouteData(nil, &r, MapKeysQuoted)
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	got, err := DecodeTopicRouteData(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.BrokerDatas[0].BrokerName != "b\"\\\n\x01é\uFFFD" {
		t.Errorf("name = %q", got.BrokerDatas[0].BrokerName)
	}
}

func TestClusterInfoMatchesJavaAndRoundTrips(t *testing.T) {
	c := ClusterInfo{
		BrokerAddrTable: map[string]BrokerData{
			"broker-b": {Cluster: "c1", BrokerName: "broker-b", Addrs: []BrokerAddr{{0, "10.0.0.3:10911"}}},
			"broker-a": {Cluster: "c1", BrokerName: "broker-a", Addrs: []BrokerAddr{{0, "10.0.0.1:10911"}, {1, "10.0.0.2:10911"}}},
		},
		ClusterAddrTable: map[string][]string{"c1": {"broker-a", "broker-b"}},
	}
	// J4 ClusterInfo.encode(): fastjson default, bare Long keys.
	const want = `{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"c1"},"broker-b":{"brokerAddrs":{0:"10.0.0.3:10911"},"brokerName":"broker-b","cluster":"c1"}},"clusterAddrTable":{"c1":["broker-a","broker-b"]}}`
	b := AppendClusterInfo(nil, &c, MapKeysBare)
	if string(b) != want {
		t.Fatalf("\n got %s\nwant %s", b, want)
	}
	got, err := DecodeClusterInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("round trip: got %+v, want %+v", got, c)
	}
	if !json.Valid(AppendClusterInfo(nil, &c, MapKeysQuoted)) {
		t.Error("quoted form is not valid JSON")
	}
}

func TestQuoteBareKeysLeavesStringsAlone(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got, err := nsQuoteBareKeys([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if string(got) != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
	f(`{"a":"{0:1}"}`, `{"a":"{0:1}"}`)
	f(`{0:"x",-1:"y"}`, `{"0":"x","-1":"y"}`)
	f(`{ 0 : "x" , 12:"y"}`, `{ "0" : "x" , "12":"y"}`)
	f(`[{0:[1,2]},{"k\"":{7:true}}]`, `[{"0":[1,2]},{"k\"":{"7":true}}]`)
	f(`{"a":[1,2,3],"b":-5}`, `{"a":[1,2,3],"b":-5}`)
}
