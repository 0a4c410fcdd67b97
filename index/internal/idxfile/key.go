package idxfile

import (
	"math"
	"unicode/utf8"
)

// KeyHash returns RocketMQ's index hash of topic + "#" + key:
// abs(String.hashCode()) over UTF-16 code units, 0 when abs overflows
// (IndexFile.indexKeyHashMethod). It allocates nothing.
func KeyHash(topic, key []byte) int32 {
	h := JavaHash(0, topic)
	h = 31*h + '#'
	return absHash(JavaHash(h, key))
}

// absHash is Java's Math.abs with RocketMQ's fix-up: MinInt32 becomes 0.
func absHash(h int32) int32 {
	if h == math.MinInt32 {
		return 0
	}
	if h < 0 {
		return -h
	}
	return h
}

// JavaHash continues Java's String.hashCode from h over the UTF-16 code
// units of the UTF-8 text s: JavaHash(0, s) is s.hashCode(). Invalid UTF-8
// bytes count as U+FFFD, as Java's decoder would make them.
func JavaHash(h int32, s []byte) int32 {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			h = 31*h + int32(c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}
