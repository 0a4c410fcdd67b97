package protocol

import (
	"bytes"
	"strconv"
)

// appendJSONHeader appends c's header as RocketMQ JSON. Keys come in the
// Go client's order (code, language, version, opaque, flag, remark,
// extFields); flag and opaque are always written, remark only when not
// empty (Java omits null members), extFields always (as {} when empty) and
// every ext value as a JSON string, because the Go client fails to decode a
// header whose ext values are anything else.
func (c *Command) appendJSONHeader(dst []byte) []byte {
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(c.Code), 10)
	dst = append(dst, `,"language":"`...)
	dst = append(dst, c.Language.jsonName()...)
	dst = append(dst, `","version":`...)
	dst = strconv.AppendInt(dst, int64(c.Version), 10)
	dst = append(dst, `,"opaque":`...)
	dst = strconv.AppendInt(dst, int64(c.Opaque), 10)
	dst = append(dst, `,"flag":`...)
	dst = strconv.AppendInt(dst, int64(c.Flag), 10)
	if c.Remark != "" {
		dst = append(dst, `,"remark":`...)
		dst = appendJSONString(dst, c.Remark)
	}
	dst = append(dst, `,"extFields":{`...)
	for i, f := range c.ext {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, f.Key)
		dst = append(dst, ':')
		dst = appendJSONString(dst, f.Value)
	}
	return append(dst, "}}"...)
}

// jsonSafe marks the bytes that appendJSONString copies unchanged.
var jsonSafe = func() (t [256]bool) {
	for i := range t {
		t[i] = i >= 0x20 && i != '"' && i != '\\'
	}
	return t
}()

const jsonHex = "0123456789abcdef"

// appendJSONString appends s as a quoted JSON string, escaping quotes,
// backslashes and control characters. Other bytes (invalid UTF-8 included)
// are copied as they are, so decoding gives back exactly s.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if jsonSafe[c] {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// decodeJSONHeader reads a RocketMQ JSON header leniently: whitespace
// anywhere JSON allows it, members in any order, unknown members skipped
// whatever their value, remark and extFields absent or null, numbers given
// as strings, language as an enum name (or ordinal), and ext values given
// as strings, numbers, booleans (their literal text), objects or arrays
// (their raw text); null ext values are dropped.
func (c *Command) decodeJSONHeader(h []byte) error {
	s := jsonScanner{buf: h, scratch: &c.scratch}
	s.expect('{')
	n := 0
	for s.more('}', &n) {
		c.decodeJSONMember(&s, s.key())
	}
	s.end()
	return s.err
}

// decodeJSONMember reads the value of one header member.
func (c *Command) decodeJSONMember(s *jsonScanner, key []byte) {
	switch string(key) {
	case "code":
		c.Code = s.int32()
	case "language":
		c.Language = s.language()
	case "version":
		c.Version = s.int32()
	case "opaque":
		c.Opaque = s.int32()
	case "flag":
		c.Flag = s.int32()
	case "remark":
		if text, ok := s.scalarText(); ok {
			c.Remark = scratchString(text)
		}
	case "extFields":
		c.decodeJSONExt(s)
	default:
		s.skip(0)
	}
}

// language reads a language given by name or by ordinal.
func (s *jsonScanner) language() LanguageCode {
	switch s.skipWS() {
	case '"':
		return languageByName(s.strBytes())
	case 'n':
		s.literal("null")
		return LanguageJava
	}
	v := s.int64()
	if v < 0 || v > 255 {
		return LanguageUnknown
	}
	return LanguageCode(v)
}

// maxPresizedJSONExt caps the ext entries reserved before a JSON ext
// object is read: the estimate below can be far too high for a hostile
// header, and a header with more entries grows the slice as it goes.
const maxPresizedJSONExt = 32

// jsonMembersBound estimates the number of object members in b, the rest
// of a header after an extFields member, to size the ext slice once: each
// member has a colon. Colons inside strings and in later members make it an
// overestimate, hence the cap.
func jsonMembersBound(b []byte) int {
	return min(bytes.Count(b, []byte{':'}), maxPresizedJSONExt)
}

// decodeJSONExt reads the extFields object (or null).
func (c *Command) decodeJSONExt(s *jsonScanner) {
	if s.null() {
		return
	}
	s.expect('{')
	n := 0
	for s.more('}', &n) {
		key := s.key()
		value, ok := s.scalarText()
		if ok && len(key) > 0 {
			if len(c.ext) == cap(c.ext) {
				// Size the slice for the members left at once, not by
				// doubling (a reused command seldom gets here).
				c.growExt(1 + jsonMembersBound(s.buf[s.pos:]))
			}
			c.ext = append(c.ext, ExtField{Key: scratchString(key), Value: scratchString(value)})
		}
	}
}
