package protocol

import (
	"cmp"
	"slices"
	"strconv"
)

// Permission bits of a topic's queues (J4 common/constant/PermName.java).
const (
	PermPriority int32 = 8
	PermRead     int32 = 4
	PermWrite    int32 = 2
	PermInherit  int32 = 1
)

// MasterID is the broker id of a master; any other id is a slave.
const MasterID int64 = 0

// QueueData is one broker's share of a topic in a route: queue ids
// 0..ReadQueueNums-1 are readable and 0..WriteQueueNums-1 writable.
type QueueData struct {
	BrokerName     string
	ReadQueueNums  int32
	WriteQueueNums int32
	Perm           int32
	TopicSysFlag   int32
}

// BrokerAddr is one member of a broker group: id 0 is the master.
type BrokerAddr struct {
	ID   int64
	Addr string // "ip:port" clients connect to
}

// BrokerData is a broker group (one brokerName) and its members' addresses.
type BrokerData struct {
	Cluster    string
	BrokerName string
	// Addrs is sorted by ID, one entry per id.
	Addrs []BrokerAddr
}

// Addr returns the address of broker id in the group.
func (b BrokerData) Addr(id int64) (string, bool) {
	for _, a := range b.Addrs {
		if a.ID == id {
			return a.Addr, true
		}
	}
	return "", false
}

// TopicRouteData is the body of a GET_ROUTEINFO_BY_TOPIC reply
// (J4 common/protocol/route/TopicRouteData.java).
type TopicRouteData struct {
	// OrderTopicConf is "brokerName:queueNums;..." from the KV namespace
	// ORDER_TOPIC_CONFIG, set only when the NameServer has
	// orderMessageEnable; "" is omitted from the JSON.
	OrderTopicConf string
	QueueDatas     []QueueData
	BrokerDatas    []BrokerData
	// FilterServerTable maps a broker address to its filter servers; Java
	// always writes it, usually as {}.
	FilterServerTable map[string][]string
}

// AppendTopicRouteData appends r as the compact JSON the Java NameServer
// writes: members in alphabetical order (fastjson's SortField), no
// whitespace, filterServerTable always present, brokerAddrs keys in the
// chosen style and ascending id order. The official Go client splits
// brokerAddrs by hand, so this exact compact shape matters (wire-protocol.md
// §5.1, §13 #2). The encoder keeps nothing; r is only read.
func AppendTopicRouteData(dst []byte, r *TopicRouteData, keys MapKeys) []byte {
	dst = append(dst, `{"brokerDatas":[`...)
	for i := range r.BrokerDatas {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendBrokerData(dst, &r.BrokerDatas[i], keys)
	}
	dst = append(dst, `],"filterServerTable":`...)
	dst = nsAppendStringsMap(dst, r.FilterServerTable)
	if r.OrderTopicConf != "" {
		dst = append(dst, `,"orderTopicConf":`...)
		dst = nsAppendString(dst, r.OrderTopicConf)
	}
	dst = append(dst, `,"queueDatas":[`...)
	for i := range r.QueueDatas {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendQueueData(dst, &r.QueueDatas[i])
	}
	return append(dst, "]}"...)
}

// AppendQueueData appends q as Java's QueueData JSON (members sorted).
func AppendQueueData(dst []byte, q *QueueData) []byte {
	dst = append(dst, `{"brokerName":`...)
	dst = nsAppendString(dst, q.BrokerName)
	dst = append(dst, `,"perm":`...)
	dst = strconv.AppendInt(dst, int64(q.Perm), 10)
	dst = append(dst, `,"readQueueNums":`...)
	dst = strconv.AppendInt(dst, int64(q.ReadQueueNums), 10)
	dst = append(dst, `,"topicSysFlag":`...)
	dst = strconv.AppendInt(dst, int64(q.TopicSysFlag), 10)
	dst = append(dst, `,"writeQueueNums":`...)
	dst = strconv.AppendInt(dst, int64(q.WriteQueueNums), 10)
	return append(dst, '}')
}

// AppendBrokerData appends b as Java's BrokerData JSON (members sorted,
// brokerAddrs always present, in id order as b.Addrs holds them).
func AppendBrokerData(dst []byte, b *BrokerData, keys MapKeys) []byte {
	dst = append(dst, `{"brokerAddrs":{`...)
	for i, a := range b.Addrs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = nsAppendIntKey(dst, a.ID, keys)
		dst = nsAppendString(dst, a.Addr)
	}
	dst = append(dst, `},"brokerName":`...)
	dst = nsAppendString(dst, b.BrokerName)
	dst = append(dst, `,"cluster":`...)
	dst = nsAppendString(dst, b.Cluster)
	return append(dst, '}')
}

// nsAppendStringsMap appends a map of string lists with sorted keys.
func nsAppendStringsMap(dst []byte, m map[string][]string) []byte {
	dst = append(dst, '{')
	for i, k := range nsSortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = nsAppendKey(dst, k)
		dst = nsAppendStrings(dst, m[k])
	}
	return append(dst, '}')
}

// nsSortedKeys returns m's keys in ascending order.
func nsSortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nsQueueDataJSON and nsBrokerDataJSON are the decoding shapes.
type nsQueueDataJSON struct {
	BrokerName     string `json:"brokerName"`
	ReadQueueNums  int32  `json:"readQueueNums"`
	WriteQueueNums int32  `json:"writeQueueNums"`
	Perm           int32  `json:"perm"`
	TopicSysFlag   *int32 `json:"topicSysFlag"`
	TopicSynFlag   *int32 `json:"topicSynFlag"` // J4 <= 4.8 spelling
}

type nsBrokerDataJSON struct {
	Cluster     string            `json:"cluster"`
	BrokerName  string            `json:"brokerName"`
	BrokerAddrs map[string]string `json:"brokerAddrs"`
}

func (q *nsQueueDataJSON) value() QueueData {
	v := QueueData{BrokerName: q.BrokerName, ReadQueueNums: q.ReadQueueNums,
		WriteQueueNums: q.WriteQueueNums, Perm: q.Perm}
	switch {
	case q.TopicSysFlag != nil:
		v.TopicSysFlag = *q.TopicSysFlag
	case q.TopicSynFlag != nil:
		v.TopicSysFlag = *q.TopicSynFlag
	}
	return v
}

func (b *nsBrokerDataJSON) value() (BrokerData, error) {
	v := BrokerData{Cluster: b.Cluster, BrokerName: b.BrokerName}
	v.Addrs = make([]BrokerAddr, 0, len(b.BrokerAddrs))
	for k, addr := range b.BrokerAddrs {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return v, err
		}
		v.Addrs = append(v.Addrs, BrokerAddr{ID: id, Addr: addr})
	}
	slices.SortFunc(v.Addrs, func(a, b BrokerAddr) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Addr, b.Addr))
	})
	// "0" and "00" name the same id: keep one address per id.
	v.Addrs = slices.CompactFunc(v.Addrs, func(a, b BrokerAddr) bool { return a.ID == b.ID })
	return v, nil
}

// DecodeTopicRouteData decodes a route body in either key style (and the
// older topicSynFlag spelling). The result shares nothing with b.
func DecodeTopicRouteData(b []byte) (TopicRouteData, error) {
	var raw struct {
		OrderTopicConf    string              `json:"orderTopicConf"`
		QueueDatas        []nsQueueDataJSON   `json:"queueDatas"`
		BrokerDatas       []nsBrokerDataJSON  `json:"brokerDatas"`
		FilterServerTable map[string][]string `json:"filterServerTable"`
	}
	if err := nsUnmarshal("TopicRouteData", b, &raw); err != nil {
		return TopicRouteData{}, err
	}
	r := TopicRouteData{OrderTopicConf: raw.OrderTopicConf, FilterServerTable: raw.FilterServerTable}
	r.QueueDatas = make([]QueueData, len(raw.QueueDatas))
	for i := range raw.QueueDatas {
		r.QueueDatas[i] = raw.QueueDatas[i].value()
	}
	r.BrokerDatas = make([]BrokerData, len(raw.BrokerDatas))
	for i := range raw.BrokerDatas {
		bd, err := raw.BrokerDatas[i].value()
		if err != nil {
			return TopicRouteData{}, nsBodyError("TopicRouteData brokerAddrs", err)
		}
		r.BrokerDatas[i] = bd
	}
	return r, nil
}
