package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file holds the JSON helpers shared by the NameServer bodies
// (namesrv_*.go). Their unexported names start with "ns" so that they never
// collide with the header codec's helpers in the same package.
//
// The NameServer bodies are not on a per-message path: brokers register every
// 30 s and clients refresh routes every 30 s. Their encoders are still written
// by hand (append to the caller's buffer, no reflection) because a route
// lookup is the NameServer's hot request; their decoders run
// encoding/json after nsQuoteBareKeys has turned fastjson's unquoted map keys
// into strings.

// ErrNamesrvBody reports a NameServer JSON or compressed body that does not
// decode. The wrapped message names the body and the cause.
var ErrNamesrvBody = errors.New("protocol: malformed NameServer body")

// MapKeys chooses how integer map keys (a broker's id in brokerAddrs) are
// written.
type MapKeys uint8

const (
	// MapKeysBare writes integer keys unquoted, {0:"10.0.0.1:10911"}, as
	// fastjson's default encoding does. It is not valid JSON, but it is what
	// the Java NameServer sends to clients older than V4_9_4 (every Go v2.1.2
	// client) and always sends for GET_BROKER_CLUSTER_INFO.
	MapKeysBare MapKeys = iota
	// MapKeysQuoted writes integer keys as strings, {"0":"10.0.0.1:10911"}:
	// valid JSON, what the Java NameServer sends to V4_9_4+ clients and to
	// requests with acceptStandardJsonOnly=true.
	MapKeysQuoted
)

// nsBodyError wraps ErrNamesrvBody with the body's name and the cause.
func nsBodyError(body string, cause error) error {
	return fmt.Errorf("%w: %s: %v", ErrNamesrvBody, body, cause)
}

// nsUnmarshal decodes a NameServer JSON body (fastjson bare keys allowed)
// into v. b is only read.
func nsUnmarshal(body string, b []byte, v any) error {
	quoted, err := nsQuoteBareKeys(b)
	if err != nil {
		return nsBodyError(body, err)
	}
	if err := json.Unmarshal(quoted, v); err != nil {
		return nsBodyError(body, err)
	}
	return nil
}

// nsAppendString appends s as a JSON string. Invalid UTF-8 is written as
// U+FFFD so the output is always valid JSON (bodies are read back with
// encoding/json); valid strings are not copied.
func nsAppendString(dst []byte, s string) []byte {
	return appendJSONString(dst, strings.ToValidUTF8(s, "\uFFFD"))
}

// nsAppendKey appends a quoted object key and its colon.
func nsAppendKey(dst []byte, key string) []byte {
	return append(nsAppendString(dst, key), ':')
}

// nsAppendIntKey appends an integer object key in the chosen style.
func nsAppendIntKey(dst []byte, key int64, style MapKeys) []byte {
	if style == MapKeysQuoted {
		dst = append(dst, '"')
		dst = strconv.AppendInt(dst, key, 10)
		return append(dst, '"', ':')
	}
	dst = strconv.AppendInt(dst, key, 10)
	return append(dst, ':')
}

// nsAppendStrings appends a JSON array of strings.
func nsAppendStrings(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = nsAppendString(dst, s)
	}
	return append(dst, ']')
}

// nsMaxDepth bounds the nesting nsQuoteBareKeys accepts; the NameServer
// bodies nest four deep at most.
const nsMaxDepth = 64

// nsQuoteBareKeys returns b with every unquoted object key (fastjson writes
// non-string map keys bare: {0:"a"}) wrapped in double quotes. A bare key is
// a run of letters, digits, '_', '.', '+' and '-'. When b has no bare key, b
// itself is returned; otherwise a new slice. It checks only what it needs to
// find keys; encoding/json checks the rest. It never panics.
func nsQuoteBareKeys(b []byte) ([]byte, error) {
	var (
		out       []byte // nil until the first bare key
		stack     [nsMaxDepth]byte
		depth     int
		expectKey bool // inside an object, before a key
		inString  bool
		escaped   bool
		copied    int // b[:copied] is already in out
	)
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			expectKey = false
		case '{', '[':
			if depth == nsMaxDepth {
				return nil, errors.New("nesting too deep")
			}
			stack[depth] = c
			depth++
			expectKey = c == '{'
		case '}', ']':
			if depth == 0 {
				return nil, errors.New("unbalanced " + string(c))
			}
			depth--
			expectKey = false
		case ',':
			expectKey = depth > 0 && stack[depth-1] == '{'
		case ' ', '\t', '\r', '\n', ':':
		default:
			if !expectKey {
				continue
			}
			end := i
			for end < len(b) && nsBareKeyByte(b[end]) {
				end++
			}
			if end == i {
				return nil, fmt.Errorf("unexpected %q where an object key belongs", c)
			}
			out = append(out, b[copied:i]...)
			out = append(out, '"')
			out = append(out, b[i:end]...)
			out = append(out, '"')
			copied = end
			i = end - 1
			expectKey = false
		}
	}
	if out == nil {
		return b, nil
	}
	return append(out, b[copied:]...), nil
}

// nsBareKeyByte reports whether c may appear in a fastjson bare key.
func nsBareKeyByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		c == '_' || c == '.' || c == '+' || c == '-'
}
