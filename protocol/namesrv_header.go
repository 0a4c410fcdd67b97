package protocol

// Typed custom headers of the NameServer RPCs (J4
// common/protocol/header/namesrv/*.java, wire-protocol.md §5). Decode reads
// a request's ext fields; decoded strings alias the Command (see Command for
// their lifetime). Encode adds the fields to a fresh Command.

// BrokerIdentity is the header shared by UNREGISTER_BROKER (104) and
// QUERY_DATA_VERSION (322): UnRegisterBrokerRequestHeader and
// QueryDataVersionRequestHeader, all four fields required.
type BrokerIdentity struct {
	BrokerName  string
	BrokerAddr  string
	ClusterName string
	BrokerID    int64
}

// Decode reads the four required fields.
func (h *BrokerIdentity) Decode(c *Command) error {
	r := extReader{c: c, header: "BrokerIdentity"}
	h.decode(&r)
	return r.err
}

func (h *BrokerIdentity) decode(r *extReader) {
	h.BrokerName = r.str("brokerName", true)
	h.BrokerAddr = r.str("brokerAddr", true)
	h.ClusterName = r.str("clusterName", true)
	h.BrokerID = r.i64("brokerId", true)
}

// Encode adds the fields to c.
func (h *BrokerIdentity) Encode(c *Command) {
	c.AddExtField("brokerName", h.BrokerName)
	c.AddExtField("brokerAddr", h.BrokerAddr)
	c.AddExtField("clusterName", h.ClusterName)
	c.AddExtFieldInt("brokerId", h.BrokerID)
}

// RegisterBrokerRequestHeader is REGISTER_BROKER's header (103).
type RegisterBrokerRequestHeader struct {
	BrokerIdentity
	HAServerAddr string // required: "ip:haPort"
	// Compressed says the body is the zlib form
	// (AppendRegisterBrokerBodyCompressed).
	Compressed bool
	// BodyCRC32 is CRC32(body) & 0x7FFFFFFF; 0 disables the check.
	BodyCRC32 int32
}

// Decode reads the header; brokerName, brokerAddr, clusterName,
// haServerAddr and brokerId are required.
func (h *RegisterBrokerRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "RegisterBrokerRequestHeader"}
	h.BrokerIdentity.decode(&r)
	h.HAServerAddr = r.str("haServerAddr", true)
	h.Compressed = r.boolean("compressed")
	h.BodyCRC32 = r.i32("bodyCrc32", false)
	return r.err
}

// Encode adds the fields to c.
func (h *RegisterBrokerRequestHeader) Encode(c *Command) {
	h.BrokerIdentity.Encode(c)
	c.AddExtField("haServerAddr", h.HAServerAddr)
	c.AddExtFieldBool("compressed", h.Compressed)
	c.AddExtFieldInt("bodyCrc32", int64(h.BodyCRC32))
}

// RegisterBrokerResponseHeader is REGISTER_BROKER's reply header: set only
// for a slave whose master is registered.
type RegisterBrokerResponseHeader struct {
	HAServerAddr string // the master's HA address
	MasterAddr   string
}

// Decode reads the optional fields.
func (h *RegisterBrokerResponseHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "RegisterBrokerResponseHeader"}
	h.HAServerAddr = r.str("haServerAddr", false)
	h.MasterAddr = r.str("masterAddr", false)
	return r.err
}

// Encode adds the non-empty fields to c.
func (h *RegisterBrokerResponseHeader) Encode(c *Command) {
	putStr(c, "haServerAddr", h.HAServerAddr)
	putStr(c, "masterAddr", h.MasterAddr)
}

// QueryDataVersionResponseHeader is QUERY_DATA_VERSION's reply header.
type QueryDataVersionResponseHeader struct {
	Changed bool
}

// Decode reads the header.
func (h *QueryDataVersionResponseHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "QueryDataVersionResponseHeader"}
	h.Changed = r.boolean("changed")
	return r.err
}

// Encode adds the field to c.
func (h *QueryDataVersionResponseHeader) Encode(c *Command) {
	c.AddExtFieldBool("changed", h.Changed)
}

// GetRouteInfoRequestHeader is GET_ROUTEINFO_BY_TOPIC's header (105).
type GetRouteInfoRequestHeader struct {
	Topic string // required
	// AcceptStandardJSONOnly asks for quoted brokerAddrs keys whatever the
	// request version (never sent by Go v2.1.2).
	AcceptStandardJSONOnly bool
}

// Decode reads the header.
func (h *GetRouteInfoRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "GetRouteInfoRequestHeader"}
	h.Topic = r.str("topic", true)
	h.AcceptStandardJSONOnly = r.boolean("acceptStandardJsonOnly")
	return r.err
}

// Encode adds the fields to c.
func (h *GetRouteInfoRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
	if h.AcceptStandardJSONOnly {
		c.AddExtFieldBool("acceptStandardJsonOnly", true)
	}
}

// DeleteTopicFromNamesrvRequestHeader is DELETE_TOPIC_IN_NAMESRV's header
// (216).
type DeleteTopicFromNamesrvRequestHeader struct {
	Topic       string // required
	ClusterName string // optional: delete only this cluster's queue data
}

// Decode reads the header.
func (h *DeleteTopicFromNamesrvRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "DeleteTopicFromNamesrvRequestHeader"}
	h.Topic = r.str("topic", true)
	h.ClusterName = r.str("clusterName", false)
	return r.err
}

// Encode adds the fields to c.
func (h *DeleteTopicFromNamesrvRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
	putStr(c, "clusterName", h.ClusterName)
}

// KVConfigHeader is the header of PUT_KV_CONFIG (100; Value required),
// GET_KV_CONFIG (101), DELETE_KV_CONFIG (102) and, with only Namespace,
// GET_KVLIST_BY_NAMESPACE (219). It is also GET_KV_CONFIG's reply header
// (Value only).
type KVConfigHeader struct {
	Namespace string
	Key       string
	Value     string
}

// DecodePut reads a PUT_KV_CONFIG header: namespace, key and value required.
func (h *KVConfigHeader) DecodePut(c *Command) error {
	r := extReader{c: c, header: "PutKVConfigRequestHeader"}
	h.Namespace = r.str("namespace", true)
	h.Key = r.str("key", true)
	h.Value = r.str("value", true)
	return r.err
}

// DecodeKey reads a GET_KV_CONFIG or DELETE_KV_CONFIG header.
func (h *KVConfigHeader) DecodeKey(c *Command) error {
	r := extReader{c: c, header: "KVConfigRequestHeader"}
	h.Namespace = r.str("namespace", true)
	h.Key = r.str("key", true)
	return r.err
}

// DecodeNamespace reads a GET_KVLIST_BY_NAMESPACE header.
func (h *KVConfigHeader) DecodeNamespace(c *Command) error {
	r := extReader{c: c, header: "GetKVListByNamespaceRequestHeader"}
	h.Namespace = r.str("namespace", true)
	return r.err
}

// DecodeValue reads GET_KV_CONFIG's reply header.
func (h *KVConfigHeader) DecodeValue(c *Command) error {
	r := extReader{c: c, header: "GetKVConfigResponseHeader"}
	h.Value = r.str("value", false)
	return r.err
}

// Encode adds the non-empty fields to c (a request's namespace/key/value,
// or a reply's value alone).
func (h *KVConfigHeader) Encode(c *Command) {
	putStr(c, "namespace", h.Namespace)
	putStr(c, "key", h.Key)
	putStr(c, "value", h.Value)
}

// GetTopicsByClusterRequestHeader is GET_TOPICS_BY_CLUSTER's header (224).
type GetTopicsByClusterRequestHeader struct {
	Cluster string // required
}

// Decode reads the header.
func (h *GetTopicsByClusterRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "GetTopicsByClusterRequestHeader"}
	h.Cluster = r.str("cluster", true)
	return r.err
}

// Encode adds the field to c.
func (h *GetTopicsByClusterRequestHeader) Encode(c *Command) {
	c.AddExtField("cluster", h.Cluster)
}

// WritePermRequestHeader is the header of WIPE_WRITE_PERM_OF_BROKER (205)
// and ADD_WRITE_PERM_OF_BROKER (327).
type WritePermRequestHeader struct {
	BrokerName string // required
}

// Decode reads the header.
func (h *WritePermRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "WritePermRequestHeader"}
	h.BrokerName = r.str("brokerName", true)
	return r.err
}

// Encode adds the field to c.
func (h *WritePermRequestHeader) Encode(c *Command) {
	c.AddExtField("brokerName", h.BrokerName)
}
