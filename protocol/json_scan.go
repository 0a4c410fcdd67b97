package protocol

import (
	"errors"
	"math"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON decoding errors.
var (
	// ErrJSONSyntax: the JSON text is malformed where it matters (the
	// scanner is lenient about raw control characters inside strings).
	ErrJSONSyntax = errors.New("protocol: malformed JSON")
	// ErrJSONDepth: values nest deeper than maxJSONDepth.
	ErrJSONDepth = errors.New("protocol: JSON nests too deep")
	// ErrJSONNumber: a number where an integer was expected is not one, or
	// it overflows.
	ErrJSONNumber = errors.New("protocol: JSON number out of range or not an integer")
)

// maxScratchReserve caps what unescape reserves in the scratch memory at
// once.
const maxScratchReserve = 4 << 10

// maxJSONDepth bounds nesting while skipping unknown values, so a hostile
// header cannot exhaust the stack.
const maxJSONDepth = 512

// jsonScanner reads JSON text in place. Errors are sticky: the first one is
// kept in err, later calls return zero values, and the caller checks err
// once at the end.
type jsonScanner struct {
	buf []byte
	pos int
	err error
	// scratch receives unescaped strings; nil means strings with escapes
	// are allocated instead.
	scratch *[]byte
	// copyStrings makes str return strings that own their memory (for
	// bodies whose decoded values outlive the input).
	copyStrings bool
}

func (s *jsonScanner) fail(err error) {
	if s.err == nil {
		s.err = err
	}
	s.pos = len(s.buf)
}

// skipWS skips JSON whitespace and returns the next byte (0 at the end).
func (s *jsonScanner) skipWS() byte {
	for s.pos < len(s.buf) {
		switch c := s.buf[s.pos]; c {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return c
		}
	}
	return 0
}

// expect consumes c after optional whitespace.
func (s *jsonScanner) expect(c byte) {
	if s.skipWS() != c || s.pos >= len(s.buf) {
		s.fail(ErrJSONSyntax)
		return
	}
	s.pos++
}

// end checks that only whitespace is left.
func (s *jsonScanner) end() {
	if s.skipWS(); s.pos != len(s.buf) {
		s.fail(ErrJSONSyntax)
	}
}

// more drives a loop over an object's members or an array's elements after
// its opening bracket: it consumes the separating comma and reports whether
// another item follows, or consumes the closing bracket and reports false.
// n counts the items seen so far.
func (s *jsonScanner) more(closing byte, n *int) bool {
	c := s.skipWS()
	if s.pos >= len(s.buf) {
		s.fail(ErrJSONSyntax)
		return false
	}
	if c == closing {
		s.pos++
		return false
	}
	if *n > 0 {
		if c != ',' {
			s.fail(ErrJSONSyntax)
			return false
		}
		s.pos++
		s.skipWS()
	}
	*n++
	return s.err == nil
}

// key reads an object key and the colon after it, returning the raw key
// bytes when it has no escapes (the common case) or the unescaped key.
func (s *jsonScanner) key() []byte {
	k := s.strBytes()
	s.expect(':')
	return k
}

// null consumes a null literal if one is next.
func (s *jsonScanner) null() bool {
	if s.skipWS() == 'n' {
		s.literal("null")
		return true
	}
	return false
}

// literal consumes the exact text lit.
func (s *jsonScanner) literal(lit string) {
	if len(s.buf)-s.pos < len(lit) || string(s.buf[s.pos:s.pos+len(lit)]) != lit {
		s.fail(ErrJSONSyntax)
		return
	}
	s.pos += len(lit)
}

// strBytes reads a JSON string and returns its unescaped bytes. Without
// escapes the result aliases the input; with escapes it lives in scratch
// (or a fresh allocation when there is no scratch).
func (s *jsonScanner) strBytes() []byte {
	if s.skipWS() != '"' {
		s.fail(ErrJSONSyntax)
		return nil
	}
	s.pos++
	start := s.pos
	for i := start; i < len(s.buf); i++ {
		switch s.buf[i] {
		case '"':
			s.pos = i + 1
			return s.buf[start:i]
		case '\\':
			return s.unescape(start, i)
		}
	}
	s.fail(ErrJSONSyntax)
	return nil
}

// str is strBytes as a string, aliasing the input or scratch unless
// copyStrings is set.
func (s *jsonScanner) str() string {
	b := s.strBytes()
	if s.copyStrings {
		return string(b)
	}
	return scratchString(b)
}

// unescape continues a string that has an escape at esc; the plain bytes
// from start to esc are copied first.
func (s *jsonScanner) unescape(start, esc int) []byte {
	var out []byte
	if s.scratch != nil {
		// What is left of the input bounds every unescaped string still to
		// come: reserving it (up to maxScratchReserve, so that one escape
		// in a huge header does not pin that much) makes the scratch memory
		// grow once per typical header instead of by doubling.
		out = slices.Grow(*s.scratch, min(len(s.buf)-start, maxScratchReserve))
	}
	from := len(out)
	out = append(out, s.buf[start:esc]...)
	i := esc
	for i < len(s.buf) {
		c := s.buf[i]
		if c == '"' {
			s.pos = i + 1
			if s.scratch != nil {
				*s.scratch = out
			}
			return out[from:len(out):len(out)]
		}
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(s.buf) {
			break
		}
		var ok bool
		out, i, ok = s.escape(out, i+1)
		if !ok {
			break
		}
	}
	s.fail(ErrJSONSyntax)
	return nil
}

// escape decodes the escape whose letter is at i and returns the index
// after it.
func (s *jsonScanner) escape(out []byte, i int) ([]byte, int, bool) {
	switch c := s.buf[i]; c {
	case '"', '\\', '/':
		return append(out, c), i + 1, true
	case 'b':
		return append(out, '\b'), i + 1, true
	case 'f':
		return append(out, '\f'), i + 1, true
	case 'n':
		return append(out, '\n'), i + 1, true
	case 'r':
		return append(out, '\r'), i + 1, true
	case 't':
		return append(out, '\t'), i + 1, true
	case 'u':
		r, ok := hex4(s.buf, i+1)
		if !ok {
			return out, i, false
		}
		i += 5
		if utf16.IsSurrogate(r) {
			r2 := rune(-1)
			if i+1 < len(s.buf) && s.buf[i] == '\\' && s.buf[i+1] == 'u' {
				r2, ok = hex4(s.buf, i+2)
				if !ok {
					return out, i, false
				}
			}
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return utf8.AppendRune(out, dec), i + 6, true
			}
			r = utf8.RuneError // lone surrogate, as encoding/json does
		}
		return utf8.AppendRune(out, r), i, true
	}
	return out, i, false
}

// hex4 parses four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// numberText consumes a JSON number and returns its text. It accepts the
// JSON grammar leniently (any run of number characters that starts like a
// number) and leaves validation to the caller.
func (s *jsonScanner) numberText() []byte {
	start := s.pos
	for s.pos < len(s.buf) {
		switch c := s.buf[s.pos]; {
		case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.pos++
			continue
		}
		break
	}
	if s.pos == start {
		s.fail(ErrJSONSyntax)
	}
	return s.buf[start:s.pos]
}

// int64 reads an integer given as a JSON number or as a string holding one
// (fastjson accepts both); null reads as 0.
func (s *jsonScanner) int64() int64 {
	var text []byte
	switch s.skipWS() {
	case '"':
		text = s.strBytes()
	case 'n':
		s.literal("null")
		return 0
	default:
		text = s.numberText()
	}
	v, ok := parseInt(text)
	if !ok && s.err == nil {
		s.fail(ErrJSONNumber)
	}
	return v
}

// int32 is int64 limited to the int32 range.
func (s *jsonScanner) int32() int32 {
	v := s.int64()
	if v < math.MinInt32 || v > math.MaxInt32 {
		s.fail(ErrJSONNumber)
		return 0
	}
	return int32(v)
}

// boolean reads true/false, or a string "true"/"false" (case-insensitive,
// like Boolean.parseBoolean: anything else is false); null is false.
func (s *jsonScanner) boolean() bool {
	switch s.skipWS() {
	case 't':
		s.literal("true")
		return true
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	case '"':
		return parseBool(s.strBytes())
	default:
		s.fail(ErrJSONSyntax)
	}
	return false
}

// scalarText reads a value as text: a string's unescaped content, a
// number's or boolean's literal text, or the raw text of an object or
// array. ok is false for null.
func (s *jsonScanner) scalarText() (text []byte, ok bool) {
	switch s.skipWS() {
	case '"':
		return s.strBytes(), true
	case 'n':
		s.literal("null")
		return nil, false
	case 't':
		start := s.pos
		s.literal("true")
		return s.buf[start:s.pos], true
	case 'f':
		start := s.pos
		s.literal("false")
		return s.buf[start:s.pos], true
	case '{', '[':
		start := s.pos
		s.skip(0)
		return s.buf[start:s.pos], true
	}
	return s.numberText(), true
}

// skip consumes any JSON value, nested ones included.
func (s *jsonScanner) skip(depth int) {
	if depth > maxJSONDepth {
		s.fail(ErrJSONDepth)
		return
	}
	switch s.skipWS() {
	case '{':
		s.pos++
		n := 0
		for s.more('}', &n) {
			s.key()
			s.skip(depth + 1)
		}
	case '[':
		s.pos++
		n := 0
		for s.more(']', &n) {
			s.skip(depth + 1)
		}
	case '"':
		s.strBytes()
	case 't':
		s.literal("true")
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.numberText()
	}
}

// parseInt parses an optionally signed decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	switch b[0] {
	case '-':
		neg = true
		b = b[1:]
	case '+':
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// parseBool is Java's Boolean.parseBoolean: "true" in any case is true,
// everything else false.
func parseBool(b []byte) bool {
	return len(b) == 4 && (b[0]|0x20) == 't' && (b[1]|0x20) == 'r' && (b[2]|0x20) == 'u' && (b[3]|0x20) == 'e'
}

// object reads an object (or null), calling member for each key with the
// scanner positioned at the value; member must consume the value.
func (s *jsonScanner) object(member func(key []byte)) {
	if s.null() {
		return
	}
	s.expect('{')
	n := 0
	for s.more('}', &n) {
		k := s.key()
		if s.err != nil {
			return
		}
		member(k)
	}
}

// array reads an array (or null), calling elem for each element.
func (s *jsonScanner) array(elem func()) {
	if s.null() {
		return
	}
	s.expect('[')
	n := 0
	for s.more(']', &n) {
		elem()
	}
}

// optStr reads a string or null ("").
func (s *jsonScanner) optStr() string {
	if s.null() {
		return ""
	}
	return s.str()
}
