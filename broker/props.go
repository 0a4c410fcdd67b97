package broker

import (
	"unsafe"

	"github.com/fastmq/fastmq/protocol"
)

// bytesOf returns s's bytes without copying. The result must only be read,
// and only while s is alive (for a string aliasing a request, during the
// handler).
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// stringOf returns b as a string without copying; b must not change while
// the string is used.
func stringOf(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// propsRewrite says what appendProps changes while copying properties.
type propsRewrite struct {
	drop1, drop2, drop3 string // keys left out ("" = none)
}

// appendProps copies the well-formed pairs of props to dst, each followed by
// the pair separator, leaving out the keys rw names. It allocates only if
// dst must grow.
func appendProps(dst, props []byte, rw propsRewrite) []byte {
	for len(props) > 0 {
		end := indexByte(props, protocol.PropertySeparator)
		pair := props
		if end >= 0 {
			pair, props = props[:end], props[end+1:]
		} else {
			props = nil
		}
		sep := indexByte(pair, protocol.NameValueSeparator)
		if sep <= 0 || sep == len(pair)-1 {
			continue
		}
		name := stringOf(pair[:sep])
		if name == rw.drop1 || name == rw.drop2 || name == rw.drop3 {
			continue
		}
		dst = append(dst, pair...)
		dst = append(dst, protocol.PropertySeparator)
	}
	return dst
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// atoi32 parses a small non-negative decimal; ok is false otherwise.
func atoi32(b []byte) (int32, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	var n int32
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int32(c-'0')
	}
	return n, true
}

// appendInt appends the decimal text of v.
func appendInt(dst []byte, v int64) []byte {
	var buf [20]byte
	i := len(buf)
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return append(dst, buf[i:]...)
}
