package protocol

// ClusterInfo is the body of a GET_BROKER_CLUSTER_INFO reply
// (J4 common/protocol/body/ClusterInfo.java).
type ClusterInfo struct {
	BrokerAddrTable  map[string]BrokerData // by brokerName
	ClusterAddrTable map[string][]string   // cluster name -> brokerNames
}

// AppendClusterInfo appends c as compact JSON, members and map keys sorted.
// The Java NameServer always writes this body with fastjson's bare integer
// keys (MapKeysBare); MapKeysQuoted gives valid JSON.
func AppendClusterInfo(dst []byte, c *ClusterInfo, keys MapKeys) []byte {
	dst = append(dst, `{"brokerAddrTable":{`...)
	for i, name := range nsSortedKeys(c.BrokerAddrTable) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = nsAppendKey(dst, name)
		bd := c.BrokerAddrTable[name]
		dst = AppendBrokerData(dst, &bd, keys)
	}
	dst = append(dst, `},"clusterAddrTable":`...)
	dst = nsAppendStringsMap(dst, c.ClusterAddrTable)
	return append(dst, '}')
}

// DecodeClusterInfo decodes a ClusterInfo body in either key style. The
// result shares nothing with b.
func DecodeClusterInfo(b []byte) (ClusterInfo, error) {
	var raw struct {
		BrokerAddrTable  map[string]nsBrokerDataJSON `json:"brokerAddrTable"`
		ClusterAddrTable map[string][]string         `json:"clusterAddrTable"`
	}
	if err := nsUnmarshal("ClusterInfo", b, &raw); err != nil {
		return ClusterInfo{}, err
	}
	c := ClusterInfo{
		BrokerAddrTable:  make(map[string]BrokerData, len(raw.BrokerAddrTable)),
		ClusterAddrTable: raw.ClusterAddrTable,
	}
	for name, rb := range raw.BrokerAddrTable {
		bd, err := rb.value()
		if err != nil {
			return ClusterInfo{}, nsBodyError("ClusterInfo brokerAddrs", err)
		}
		c.BrokerAddrTable[name] = bd
	}
	if c.ClusterAddrTable == nil {
		c.ClusterAddrTable = map[string][]string{}
	}
	return c, nil
}
