package protocol

import (
	"encoding/binary"
	"errors"
	"math"
)

// binaryFixedBytes is the fixed part of a ROCKETMQ header: code 2, language
// 1, version 2, opaque 4, flag 4, remark length 4, ext length 4.
const binaryFixedBytes = 21

// ErrBinaryHeader: a ROCKETMQ header is truncated or one of its lengths
// points outside it.
var ErrBinaryHeader = errors.New("protocol: malformed ROCKETMQ header")

// appendBinaryHeader appends c's header in the ROCKETMQ codec. Code and
// version are written as int16, as Java does; entries with an empty key are
// skipped (Java skips null keys). Keys longer than 32767 bytes cannot be
// represented and are skipped too.
func (c *Command) appendBinaryHeader(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(c.Code))
	dst = append(dst, byte(c.Language))
	dst = binary.BigEndian.AppendUint16(dst, uint16(c.Version))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Opaque))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Flag))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Remark)))
	dst = append(dst, c.Remark...)
	lenAt := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	for _, f := range c.ext {
		if f.Key == "" || len(f.Key) > math.MaxInt16 {
			continue
		}
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(f.Key)))
		dst = append(dst, f.Key...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(f.Value)))
		dst = append(dst, f.Value...)
	}
	binary.BigEndian.PutUint32(dst[lenAt:], uint32(len(dst)-lenAt-4))
	return dst
}

// decodeBinaryHeader reads a ROCKETMQ header in place.
func (c *Command) decodeBinaryHeader(h []byte) error {
	if len(h) < binaryFixedBytes {
		return ErrBinaryHeader
	}
	c.Code = int32(int16(binary.BigEndian.Uint16(h)))
	c.Language = LanguageCode(h[2])
	c.Version = int32(int16(binary.BigEndian.Uint16(h[3:])))
	c.Opaque = int32(binary.BigEndian.Uint32(h[5:]))
	c.Flag = int32(binary.BigEndian.Uint32(h[9:]))
	remarkLen := uint64(binary.BigEndian.Uint32(h[13:]))
	rest := h[17:]
	if remarkLen > uint64(len(rest))-4 {
		return ErrBinaryHeader
	}
	c.Remark = scratchString(rest[:remarkLen])
	rest = rest[remarkLen:]
	extLen := uint64(binary.BigEndian.Uint32(rest))
	rest = rest[4:]
	if extLen > uint64(len(rest)) {
		return ErrBinaryHeader
	}
	return c.decodeBinaryExt(rest[:extLen])
}

// countBinaryExt counts the entries with a non-empty key that
// decodeBinaryExt will keep, stopping at the first malformed one, so that
// the ext slice can be sized once.
func countBinaryExt(b []byte) int {
	n := 0
	for len(b) >= 2 {
		keyLen := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if keyLen+4 > len(b) {
			break
		}
		valLen := uint64(binary.BigEndian.Uint32(b[keyLen:]))
		b = b[keyLen+4:]
		if valLen > uint64(len(b)) {
			break
		}
		if keyLen > 0 {
			n++
		}
		b = b[valLen:]
	}
	return n
}

// decodeBinaryExt reads the ext entries: int16 key length, key, int32 value
// length, value, repeated to the end of b.
func (c *Command) decodeBinaryExt(b []byte) error {
	for len(b) > 0 {
		if len(b) < 2 {
			return ErrBinaryHeader
		}
		keyLen := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if keyLen+4 > len(b) {
			return ErrBinaryHeader
		}
		key := b[:keyLen]
		valLen := uint64(binary.BigEndian.Uint32(b[keyLen:]))
		b = b[keyLen+4:]
		if valLen > uint64(len(b)) {
			return ErrBinaryHeader
		}
		if keyLen > 0 { // Java reads an empty key as null; encoders skip it
			if len(c.ext) == cap(c.ext) {
				// Size the slice for all entries at once, not by doubling
				// (a reused command never gets here).
				c.growExt(1 + countBinaryExt(b[valLen:]))
			}
			c.ext = append(c.ext, ExtField{Key: scratchString(key), Value: scratchString(b[:valLen])})
		}
		b = b[valLen:]
	}
	return nil
}
