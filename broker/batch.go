package broker

import (
	"encoding/binary"
	"fmt"
)

// batchEntry is one message of a SEND_BATCH_MESSAGE body; body and props
// alias the request body.
type batchEntry struct {
	flag        int32
	body, props []byte
}

// maxBatchMessages bounds how many messages one batch may carry.
const maxBatchMessages = 1 << 16

// decodeBatch splits a batch body (wire-protocol.md §8.3) into entries
// appended to dst:
//
//	off  size  field
//	  0     4  TOTALSIZE of this entry, this field included (= 22 + n + p)
//	  4     4  MAGICCODE (ignored)
//	  8     4  BODYCRC (ignored; the broker computes it)
//	 12     4  FLAG
//	 16     4  BODY length n, then n bytes
//	 20+n   2  PROPERTIES length p, then p bytes
//
// Every length is checked against what is left; a malformed body is
// ErrBadBatch and nothing is returned. It allocates only if dst must grow.
func decodeBatch(dst []batchEntry, b []byte) ([]batchEntry, error) {
	start := len(dst)
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < 22 {
			return dst[:start], fmt.Errorf("%w: %d trailing bytes at %d", ErrBadBatch, len(rest), off)
		}
		total := int64(int32(binary.BigEndian.Uint32(rest)))
		n := int64(int32(binary.BigEndian.Uint32(rest[16:])))
		if n < 0 || 22+n > int64(len(rest)) {
			return dst[:start], fmt.Errorf("%w: body length %d at %d", ErrBadBatch, n, off)
		}
		p := int64(binary.BigEndian.Uint16(rest[20+n:]))
		if total != 22+n+p || total > int64(len(rest)) {
			return dst[:start], fmt.Errorf("%w: entry size %d (body %d, properties %d) at %d", ErrBadBatch, total, n, p, off)
		}
		if len(dst)-start >= maxBatchMessages {
			return dst[:start], fmt.Errorf("%w: more than %d messages", ErrBadBatch, maxBatchMessages)
		}
		dst = append(dst, batchEntry{flag: int32(binary.BigEndian.Uint32(rest[12:])),
			body: rest[20 : 20+n : 20+n], props: rest[22+n : total : total]})
		off += int(total)
	}
	if len(dst) == start {
		return dst, fmt.Errorf("%w: no messages", ErrBadBatch)
	}
	return dst, nil
}
