package protocol

import (
	"slices"
	"strconv"
	"unsafe"
)

// SerializeType names the header codec of a frame: the high byte of the
// header-length word. Wire values; they must never change.
type SerializeType byte

const (
	// SerializeJSON is RocketMQ's JSON header (RemotingSerializable).
	SerializeJSON SerializeType = 0
	// SerializeRocketMQ is the binary ROCKETMQ header (RocketMQSerializable).
	SerializeRocketMQ SerializeType = 1
)

// String returns "JSON", "ROCKETMQ" or "SERIALIZE_<n>".
func (t SerializeType) String() string {
	switch t {
	case SerializeJSON:
		return "JSON"
	case SerializeRocketMQ:
		return "ROCKETMQ"
	}
	return "SERIALIZE_" + strconv.Itoa(int(t))
}

// Flag bits of a command (wire-protocol.md §2.3). Wire values.
const (
	// FlagResponse marks a response; a command without it is a request.
	FlagResponse int32 = 1 << 0
	// FlagOneway marks a request whose sender wants no response. The Go
	// client never sets it, so it must not be relied on to recognise
	// fire-and-forget RPCs.
	FlagOneway int32 = 1 << 1
)

// Versions stamped into commands (MQVersion ordinals, wire-protocol.md §11).
const (
	// VersionV4_9_8 is the version a RocketMQ 4.9.8 broker stamps: the
	// default for commands this package builds.
	VersionV4_9_8 int32 = 409
	// VersionV4_5_2 is what the Go client v2.1.2 stamps on every command.
	VersionV4_5_2 int32 = 317
	// VersionV3_4_9 is the oldest request version whose send header's
	// maxReconsumeTimes a broker honours.
	VersionV3_4_9 int32 = 121
)

// ExtField is one custom-header entry. Key and Value have the lifetime of
// the Command they came from (see Command).
type ExtField struct {
	Key, Value string
}

// Command is a RocketMQ RemotingCommand: a request or a response.
//
// Lifetime: after Decode, Remark, Body and the ext-field strings alias the
// decoded frame (or the Command's own scratch memory, for JSON strings that
// carried escapes). They are valid only while the frame bytes are unchanged
// and until the next Decode or Reset of this Command. Call Detach to copy
// them out when the command must outlive the frame. Strings added with
// SetExtFieldInt and friends live in the Command's scratch memory and are
// valid until the next Decode or Reset.
//
// A Command is not safe for concurrent use. The zero value is an empty
// JSON request with code 0.
type Command struct {
	Code          int32
	Language      LanguageCode
	Version       int32
	Opaque        int32
	Flag          int32
	Remark        string
	Body          []byte
	SerializeType SerializeType

	// ext holds the custom-header fields in arrival (or insertion) order.
	// Duplicate keys are possible after Decode; lookups take the last one,
	// like the Java HashMap that a JSON object with a repeated key fills.
	ext []ExtField
	// scratch backs strings this Command made itself: unescaped JSON strings
	// and numbers formatted by SetExtFieldInt. Appends may move it; strings
	// made earlier keep the old array alive, so they stay intact until Reset.
	scratch []byte
}

// NewRequest returns a request command with the given code, language
// JAVA, version VersionV4_9_8 and the JSON codec. The caller sets Opaque.
func NewRequest(code RequestCode) *Command {
	c := &Command{}
	c.InitRequest(code)
	return c
}

// NewResponse returns a response command (flag bit 0 set) with the given
// code and remark, language JAVA, version VersionV4_9_8, JSON codec. The
// caller copies the request's Opaque and SerializeType (see InitResponseTo).
func NewResponse(code ResponseCode, remark string) *Command {
	c := &Command{}
	c.InitResponse(code, remark)
	return c
}

// InitRequest resets c and makes it a request with the given code. It is
// the allocation-free form of NewRequest for pooled commands.
func (c *Command) InitRequest(code RequestCode) {
	c.Reset()
	c.Code = int32(code)
	c.Version = VersionV4_9_8
}

// InitResponse resets c and makes it a response with the given code and
// remark.
func (c *Command) InitResponse(code ResponseCode, remark string) {
	c.Reset()
	c.Code = int32(code)
	c.Version = VersionV4_9_8
	c.Flag = FlagResponse
	c.Remark = remark
}

// InitResponseTo resets c and makes it the response to req: same opaque and
// serialize type (a server answers in the codec the request used). c may be
// req itself; remark must then not alias req.
func (c *Command) InitResponseTo(req *Command, code ResponseCode, remark string) {
	opaque, st := req.Opaque, req.SerializeType
	c.InitResponse(code, remark)
	c.Opaque = opaque
	c.SerializeType = st
}

// Reset clears c for reuse, keeping its ext and scratch capacity. Every
// string and slice previously obtained from c becomes invalid.
func (c *Command) Reset() {
	clear(c.ext) // drop references to old frames
	ext := c.ext[:0]
	scratch := c.scratch[:0]
	*c = Command{ext: ext, scratch: scratch}
}

// IsResponse reports whether flag bit 0 is set.
func (c *Command) IsResponse() bool { return c.Flag&FlagResponse != 0 }

// IsOneway reports whether flag bit 1 is set. The Go client never sets it.
func (c *Command) IsOneway() bool { return c.Flag&FlagOneway != 0 }

// MarkResponse sets flag bit 0.
func (c *Command) MarkResponse() { c.Flag |= FlagResponse }

// MarkOneway sets flag bit 1.
func (c *Command) MarkOneway() { c.Flag |= FlagOneway }

// ExtFields returns the ext fields in order. The slice and its strings are
// owned by c and valid until c is next decoded, reset or modified.
func (c *Command) ExtFields() []ExtField { return c.ext }

// NumExtFields returns the number of ext entries (duplicates included).
func (c *Command) NumExtFields() int { return len(c.ext) }

// ExtField returns the value of key (the last one if the key repeats) and
// whether it is present. The string has c's lifetime (see Command).
func (c *Command) ExtField(key string) (string, bool) {
	for i := len(c.ext) - 1; i >= 0; i-- {
		if c.ext[i].Key == key {
			return c.ext[i].Value, true
		}
	}
	return "", false
}

// SetExtField sets key to value, replacing the last entry with that key or
// appending a new one. c keeps the strings: they must stay valid and
// unchanged until c is encoded.
func (c *Command) SetExtField(key, value string) {
	for i := len(c.ext) - 1; i >= 0; i-- {
		if c.ext[i].Key == key {
			c.ext[i].Value = value
			return
		}
	}
	c.ext = append(c.ext, ExtField{Key: key, Value: value})
}

// AddExtField appends an entry without looking for an existing one. It is
// what the typed-header encoders use on a fresh command.
func (c *Command) AddExtField(key, value string) {
	c.ext = append(c.ext, ExtField{Key: key, Value: value})
}

// SetExtFieldInt sets key to the decimal text of v, formatted into c's
// scratch memory (no allocation once the scratch has grown).
func (c *Command) SetExtFieldInt(key string, v int64) {
	c.SetExtField(key, c.formatInt(v))
}

// AddExtFieldInt is AddExtField for a decimal integer.
func (c *Command) AddExtFieldInt(key string, v int64) {
	c.AddExtField(key, c.formatInt(v))
}

// SetExtFieldBool sets key to "true" or "false".
func (c *Command) SetExtFieldBool(key string, v bool) {
	c.SetExtField(key, strconv.FormatBool(v))
}

// AddExtFieldBool is AddExtField for a boolean.
func (c *Command) AddExtFieldBool(key string, v bool) {
	c.AddExtField(key, strconv.FormatBool(v))
}

// UseExtBuffer makes c keep its ext fields in buf's array (from index 0,
// up to cap(buf)) instead of allocating one, so that a caller can allocate
// a Command together with room for its ext fields; c's current entries are
// copied there. c owns the array from then on: the caller must not use buf
// again. Decoding more entries than fit moves them to a new array as usual.
func (c *Command) UseExtBuffer(buf []ExtField) {
	old := c.ext
	c.ext = append(buf[:0], old...)
	clear(old)
}

// growExt makes room for n more ext entries with at most one allocation.
func (c *Command) growExt(n int) {
	if n > cap(c.ext)-len(c.ext) {
		c.ext = slices.Grow(c.ext, n)
	}
}

// DeleteExtField removes every entry with key.
func (c *Command) DeleteExtField(key string) {
	out := c.ext[:0]
	for _, f := range c.ext {
		if f.Key != key {
			out = append(out, f)
		}
	}
	clear(c.ext[len(out):])
	c.ext = out
}

// formatInt appends v's digits to the scratch memory and returns them as a
// string aliasing it.
func (c *Command) formatInt(v int64) string {
	start := len(c.scratch)
	c.scratch = strconv.AppendInt(c.scratch, v, 10)
	return scratchString(c.scratch[start:])
}

// scratchString returns a string aliasing b without copying. The caller
// guarantees that b is never modified while the string is in use.
func scratchString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Detach copies Remark, Body and the ext fields out of frame and scratch
// memory, so that c stays valid after the frame is reused. It allocates.
func (c *Command) Detach() {
	n := len(c.Remark) + len(c.Body)
	for _, f := range c.ext {
		n += len(f.Key) + len(f.Value)
	}
	buf := make([]byte, 0, n)
	take := func(s string) string {
		start := len(buf)
		buf = append(buf, s...)
		return scratchString(buf[start:])
	}
	c.Remark = take(c.Remark)
	ext := make([]ExtField, len(c.ext))
	for i, f := range c.ext {
		ext[i] = ExtField{Key: take(f.Key), Value: take(f.Value)}
	}
	c.ext = ext
	if c.Body != nil {
		start := len(buf)
		buf = append(buf, c.Body...)
		c.Body = buf[start:len(buf):len(buf)]
	}
	c.scratch = nil
}

// Clone returns a detached deep copy of c; c itself is unchanged.
func (c *Command) Clone() *Command {
	d := *c
	d.ext = append([]ExtField(nil), c.ext...)
	d.scratch = nil
	d.Detach()
	return &d
}

// stringBytes views s as a byte slice without copying. Callers never write
// through it.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
