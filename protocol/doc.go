// Package protocol owns RocketMQ's remoting protocol and message formats:
// frames, RemotingCommand, the JSON and ROCKETMQ header codecs, the request
// and response code table, typed request headers, the JSON bodies (routes,
// broker registration, heartbeats, admin) and the stored-message layout that
// the commit log writes and pull responses carry byte for byte.
//
// It imports none of our packages. Decoders read in place and never panic on
// input; encoders append to a caller's buffer. Callers: netpoll splits and
// decodes frames on its event loops; broker, namesrv, replica and client
// read typed headers and bodies and build replies; mmapstore and index use
// the stored-message layout (message.go, which draws it).
//
// # Frame
//
// Every command on a connection is one frame; all integers are big-endian
// (J4 RemotingCommand.encode/decode, GO internal/remote/codec.go):
//
//	off   size  field
//	  0      4  L: length of everything after this field = 4 + H + B
//	  4      1  serialize type: 0 JSON, 1 ROCKETMQ (SerializeType)
//	  5      3  H: header length (24 bits)
//	  8      H  header, in the codec named at offset 4
//	8+H      B  body, raw bytes (B = L - 4 - H, may be 0)
//
// SplitFrame delimits frames in a stream (limit DefaultMaxFrameBytes, the
// 4-byte prefix included, as Java's NettyDecoder); Command.Decode reads one;
// Command.AppendHeader writes the first 8+H bytes for a body the caller
// sends after them (writev), AppendFrame writes a whole frame.
//
// # ROCKETMQ header (serialize type 1)
//
//	off   size  field
//	  0      2  code (int16)
//	  2      1  language (LanguageCode)
//	  3      2  version (int16)
//	  5      4  opaque (int32)
//	  9      4  flag (int32): bit 0 response, bit 1 oneway
//	 13      4  R: remark length in bytes (0 = no remark)
//	 17      R  remark, UTF-8
//	17+R     4  E: length of the ext entries in bytes
//	21+R     E  ext entries, repeated: int16 key length, key,
//	            int32 value length, value
//
// # JSON header (serialize type 0)
//
// The Go client writes exactly
//
//	{"code":34,"language":"GO","version":317,"opaque":1,"flag":0,"remark":"","extFields":{}}
//
// and every frame it sends is JSON. Our encoder writes the same key order,
// always writes flag and opaque (a header without flag is a request to the
// Go client), omits an empty remark (Java omits null members), and writes
// every ext value as a JSON string (the Go client rejects a header with any
// other ext value). The decoder is lenient like the Java broker: any member
// order and whitespace, unknown members of any shape skipped, remark and
// extFields absent or null, numbers given as strings, language by enum name
// or ordinal (unknown names read as LanguageUnknown), ext values given as
// strings, numbers, booleans (kept as their text) or null (dropped).
// A server answers in the codec the request used (InitResponseTo).
//
// # Lifetimes
//
// A decoded Command's Remark, Body and ext strings alias the frame (or the
// Command's scratch memory, for JSON strings with escapes): they are valid
// while the frame bytes stay unchanged and until the Command is decoded
// again or Reset. Typed headers decoded from a Command share that lifetime.
// Detach (or Clone) copies a command out when it must outlive its frame,
// for example a pull held for long polling. Bodies decoded by Decode*Body
// functions (heartbeat, consumer list, lock batch, reset offset) own their
// strings.
//
// # Files
//
//	codes.go                request/response code table (names, retriable)
//	language.go             language codes
//	command.go              Command, ext fields, lifetimes
//	frame.go                SplitFrame, Decode, AppendHeader, AppendFrame
//	header_binary.go        ROCKETMQ header codec
//	header_json.go          JSON header codec
//	json_scan.go            the hand-written JSON scanner both JSON paths use
//	header_fields.go        extReader (lenient typed-header reads) and HeaderError
//	header_*.go             typed broker and broker-to-client headers (Decode from / Encode into a Command)
//	body_*.go               heartbeat, consumer-list, lock-batch and reset-offset bodies
//	message*.go             stored-message layout and properties
//	namesrv*.go             NameServer headers and bodies
package protocol
