package protocol

// NamespaceOrderTopicConfig is the KV namespace that holds order-topic
// configuration, "brokerName:queueNums;..." per topic
// (J4 common/namesrv/NamesrvUtil.java).
const NamespaceOrderTopicConfig = "ORDER_TOPIC_CONFIG"

// TopicList is the body of GET_ALL_TOPIC_LIST_FROM_NAMESERVER and
// GET_TOPICS_BY_CLUSTER replies (J4 common/protocol/body/TopicList.java).
type TopicList struct {
	Topics     []string
	BrokerAddr string // omitted from the JSON when ""
}

// AppendTopicList appends l as {"brokerAddr":...,"topicList":[...]}
// (fastjson member order; brokerAddr only when set). Topics are written in
// the order given.
func AppendTopicList(dst []byte, l *TopicList) []byte {
	dst = append(dst, '{')
	if l.BrokerAddr != "" {
		dst = append(dst, `"brokerAddr":`...)
		dst = nsAppendString(dst, l.BrokerAddr)
		dst = append(dst, ',')
	}
	dst = append(dst, `"topicList":`...)
	dst = nsAppendStrings(dst, l.Topics)
	return append(dst, '}')
}

// DecodeTopicList decodes a TopicList body. b is only read.
func DecodeTopicList(b []byte) (TopicList, error) {
	var raw struct {
		TopicList  []string `json:"topicList"`
		BrokerAddr string   `json:"brokerAddr"`
	}
	if err := nsUnmarshal("TopicList", b, &raw); err != nil {
		return TopicList{}, err
	}
	return TopicList{Topics: raw.TopicList, BrokerAddr: raw.BrokerAddr}, nil
}

// AppendKVTable appends one namespace's table as {"table":{k:v,...}}
// (J4 common/protocol/body/KVTable.java), keys sorted.
func AppendKVTable(dst []byte, table map[string]string) []byte {
	dst = append(dst, `{"table":`...)
	dst = nsAppendStringMap(dst, table)
	return append(dst, '}')
}

// DecodeKVTable decodes a KVTable body. b is only read.
func DecodeKVTable(b []byte) (map[string]string, error) {
	var raw struct {
		Table map[string]string `json:"table"`
	}
	if err := nsUnmarshal("KVTable", b, &raw); err != nil {
		return nil, err
	}
	if raw.Table == nil {
		raw.Table = map[string]string{}
	}
	return raw.Table, nil
}

// AppendKVConfig appends the whole KV store as the NameServer persists it
// in kvConfig.json: {"configTable":{namespace:{key:value}}}
// (J4 namesrv/kvconfig/KVConfigSerializeWrapper.java), keys sorted.
func AppendKVConfig(dst []byte, config map[string]map[string]string) []byte {
	dst = append(dst, `{"configTable":{`...)
	for i, ns := range nsSortedKeys(config) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = nsAppendKey(dst, ns)
		dst = nsAppendStringMap(dst, config[ns])
	}
	return append(dst, "}}"...)
}

// DecodeKVConfig decodes kvConfig.json. b is only read.
func DecodeKVConfig(b []byte) (map[string]map[string]string, error) {
	var raw struct {
		ConfigTable map[string]map[string]string `json:"configTable"`
	}
	if err := nsUnmarshal("KVConfig", b, &raw); err != nil {
		return nil, err
	}
	if raw.ConfigTable == nil {
		raw.ConfigTable = map[string]map[string]string{}
	}
	for ns, t := range raw.ConfigTable {
		if t == nil {
			raw.ConfigTable[ns] = map[string]string{}
		}
	}
	return raw.ConfigTable, nil
}

// nsAppendStringMap appends a string map with sorted keys.
func nsAppendStringMap(dst []byte, m map[string]string) []byte {
	dst = append(dst, '{')
	for i, k := range nsSortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = nsAppendKey(dst, k)
		dst = nsAppendString(dst, m[k])
	}
	return append(dst, '}')
}
