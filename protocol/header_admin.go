package protocol

// Query and topic-admin headers (wire-protocol.md §6.12, §6.13). Decoded
// strings alias the Command.

// QueryMessageRequestHeader is QUERY_MESSAGE (12): messages by key.
type QueryMessageRequestHeader struct {
	Topic          string // required
	Key            string // required
	MaxNum         int32  // required
	BeginTimestamp int64  // required, ms
	EndTimestamp   int64  // required, ms
	// UniqueKeyQuery is ext _UNIQUE_KEY_QUERY=true: look the key up as a
	// message id and use the default maximum.
	UniqueKeyQuery bool
}

// Decode reads the header.
func (h *QueryMessageRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "QueryMessageRequestHeader"}
	h.Topic = r.str("topic", true)
	h.Key = r.str("key", true)
	h.MaxNum = r.i32("maxNum", true)
	h.BeginTimestamp = r.i64("beginTimestamp", true)
	h.EndTimestamp = r.i64("endTimestamp", true)
	h.UniqueKeyQuery = r.boolean("_UNIQUE_KEY_QUERY")
	return r.err
}

// Encode adds the fields to c.
func (h *QueryMessageRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
	c.AddExtField("key", h.Key)
	c.AddExtFieldInt("maxNum", int64(h.MaxNum))
	c.AddExtFieldInt("beginTimestamp", h.BeginTimestamp)
	c.AddExtFieldInt("endTimestamp", h.EndTimestamp)
	if h.UniqueKeyQuery {
		c.AddExtFieldBool("_UNIQUE_KEY_QUERY", true)
	}
}

// QueryMessageResponseHeader is the reply header of QUERY_MESSAGE.
type QueryMessageResponseHeader struct {
	IndexLastUpdateTimestamp int64
	IndexLastUpdatePhyoffset int64
}

// Decode reads the reply header; both fields are required.
func (h *QueryMessageResponseHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "QueryMessageResponseHeader"}
	h.IndexLastUpdateTimestamp = r.i64("indexLastUpdateTimestamp", true)
	h.IndexLastUpdatePhyoffset = r.i64("indexLastUpdatePhyoffset", true)
	return r.err
}

// Encode adds the fields to c.
func (h *QueryMessageResponseHeader) Encode(c *Command) {
	c.AddExtFieldInt("indexLastUpdateTimestamp", h.IndexLastUpdateTimestamp)
	c.AddExtFieldInt("indexLastUpdatePhyoffset", h.IndexLastUpdatePhyoffset)
}

// ViewMessageByIDRequestHeader is VIEW_MESSAGE_BY_ID (33).
type ViewMessageByIDRequestHeader struct {
	Offset int64 // required: commit-log offset
}

// Decode reads the header.
func (h *ViewMessageByIDRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "ViewMessageByIDRequestHeader"}
	h.Offset = r.i64("offset", true)
	return r.err
}

// Encode adds the field to c.
func (h *ViewMessageByIDRequestHeader) Encode(c *Command) {
	c.AddExtFieldInt("offset", h.Offset)
}

// CreateTopicRequestHeader is UPDATE_AND_CREATE_TOPIC (17).
type CreateTopicRequestHeader struct {
	Topic           string // required
	DefaultTopic    string // required
	ReadQueueNums   int32  // required
	WriteQueueNums  int32  // required
	Perm            int32  // required: PermName bits
	TopicFilterType string // required: TopicFilterSingleTag or TopicFilterMultiTag
	TopicSysFlag    int32  // optional
	Order           bool   // required (Java boolean)
}

// Decode reads the header.
func (h *CreateTopicRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "CreateTopicRequestHeader"}
	h.Topic = r.str("topic", true)
	h.DefaultTopic = r.str("defaultTopic", true)
	h.ReadQueueNums = r.i32("readQueueNums", true)
	h.WriteQueueNums = r.i32("writeQueueNums", true)
	h.Perm = r.i32("perm", true)
	h.TopicFilterType = r.str("topicFilterType", true)
	h.TopicSysFlag = r.i32("topicSysFlag", false)
	h.Order = r.boolean("order")
	return r.err
}

// Encode adds the fields to c.
func (h *CreateTopicRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
	c.AddExtField("defaultTopic", h.DefaultTopic)
	c.AddExtFieldInt("readQueueNums", int64(h.ReadQueueNums))
	c.AddExtFieldInt("writeQueueNums", int64(h.WriteQueueNums))
	c.AddExtFieldInt("perm", int64(h.Perm))
	c.AddExtField("topicFilterType", h.TopicFilterType)
	c.AddExtFieldInt("topicSysFlag", int64(h.TopicSysFlag))
	c.AddExtFieldBool("order", h.Order)
}

// DeleteTopicRequestHeader is DELETE_TOPIC_IN_BROKER (215).
type DeleteTopicRequestHeader struct {
	Topic string // required
}

// Decode reads the header.
func (h *DeleteTopicRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "DeleteTopicRequestHeader"}
	h.Topic = r.str("topic", true)
	return r.err
}

// Encode adds the field to c.
func (h *DeleteTopicRequestHeader) Encode(c *Command) {
	c.AddExtField("topic", h.Topic)
}
