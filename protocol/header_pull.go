package protocol

// PullMessageRequestHeader is the custom header of PULL_MESSAGE (11):
// J4 common/protocol/header/PullMessageRequestHeader.java (wire-protocol.md
// §6.4). Decoded strings alias the Command.
type PullMessageRequestHeader struct {
	ConsumerGroup        string // required
	Topic                string // required
	QueueID              int32  // required
	QueueOffset          int64  // required
	MaxMsgNums           int32  // required
	SysFlag              int32  // required; PullSysFlag* bits
	CommitOffset         int64  // required
	SuspendTimeoutMillis int64  // required
	Subscription         string // optional
	SubVersion           int64  // required (Go sends 0)
	ExpressionType       string // optional: TAG, SQL92 or "" (= TAG)
}

// Pull sysFlag bits (J4 common/sysflag/PullSysFlag.java). Wire values.
const (
	PullSysFlagCommitOffset int32 = 1 << 0
	PullSysFlagSuspend      int32 = 1 << 1
	PullSysFlagSubscription int32 = 1 << 2
	PullSysFlagClassFilter  int32 = 1 << 3
	PullSysFlagLitePull     int32 = 1 << 4
)

// Decode reads the header from c.
func (h *PullMessageRequestHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "PullMessageRequestHeader"}
	h.ConsumerGroup = r.str("consumerGroup", true)
	h.Topic = r.str("topic", true)
	h.QueueID = r.i32("queueId", true)
	h.QueueOffset = r.i64("queueOffset", true)
	h.MaxMsgNums = r.i32("maxMsgNums", true)
	h.SysFlag = r.i32("sysFlag", true)
	h.CommitOffset = r.i64("commitOffset", true)
	h.SuspendTimeoutMillis = r.i64("suspendTimeoutMillis", true)
	h.Subscription = r.str("subscription", false)
	h.SubVersion = r.i64("subVersion", true)
	h.ExpressionType = r.str("expressionType", false)
	return r.err
}

// Encode adds the fields to c.
func (h *PullMessageRequestHeader) Encode(c *Command) {
	c.AddExtField("consumerGroup", h.ConsumerGroup)
	c.AddExtField("topic", h.Topic)
	c.AddExtFieldInt("queueId", int64(h.QueueID))
	c.AddExtFieldInt("queueOffset", h.QueueOffset)
	c.AddExtFieldInt("maxMsgNums", int64(h.MaxMsgNums))
	c.AddExtFieldInt("sysFlag", int64(h.SysFlag))
	c.AddExtFieldInt("commitOffset", h.CommitOffset)
	c.AddExtFieldInt("suspendTimeoutMillis", h.SuspendTimeoutMillis)
	putStr(c, "subscription", h.Subscription)
	c.AddExtFieldInt("subVersion", h.SubVersion)
	putStr(c, "expressionType", h.ExpressionType)
}

// PullMessageResponseHeader is the custom header of a pull reply (J4
// PullMessageResponseHeader). Every field is always written: a Go client
// reads a missing nextBeginOffset as 0 and rewinds the queue.
type PullMessageResponseHeader struct {
	SuggestWhichBrokerID int64
	NextBeginOffset      int64
	MinOffset            int64
	MaxOffset            int64
}

// Decode reads the reply header. All four fields are required, as in J4.
func (h *PullMessageResponseHeader) Decode(c *Command) error {
	r := extReader{c: c, header: "PullMessageResponseHeader"}
	h.SuggestWhichBrokerID = r.i64("suggestWhichBrokerId", true)
	h.NextBeginOffset = r.i64("nextBeginOffset", true)
	h.MinOffset = r.i64("minOffset", true)
	h.MaxOffset = r.i64("maxOffset", true)
	return r.err
}

// Encode adds the fields to c.
func (h *PullMessageResponseHeader) Encode(c *Command) {
	c.AddExtFieldInt("suggestWhichBrokerId", h.SuggestWhichBrokerID)
	c.AddExtFieldInt("nextBeginOffset", h.NextBeginOffset)
	c.AddExtFieldInt("minOffset", h.MinOffset)
	c.AddExtFieldInt("maxOffset", h.MaxOffset)
}
