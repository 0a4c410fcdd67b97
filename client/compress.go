package client

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// Bodies are compressed as RocketMQ's clients do (wire-protocol.md §8.5):
// a zlib (RFC 1950) stream, sysflag bit 0 set, compression-type bits left
// 0 (which brokers read as zlib).

// maxInflatedBytes bounds what one received body may inflate to.
const maxInflatedBytes = 64 << 20

var errInflatedTooLarge = errors.New("client: compressed body inflates past 64 MiB")

// deflater is a pooled zlib writer for one level, writing into buf.
type deflater struct {
	buf bytes.Buffer
	w   *zlib.Writer
}

// deflaters holds one pool per level 1..9.
var deflaters [10]sync.Pool

// deflate returns body compressed at level, appended to dst. The pooled
// writer is reset and reused, so a steady stream of compressed sends does
// not allocate per message once dst has grown.
func deflate(dst, body []byte, level int) ([]byte, error) {
	d, _ := deflaters[level].Get().(*deflater)
	if d == nil {
		d = &deflater{}
		w, err := zlib.NewWriterLevel(&d.buf, level)
		if err != nil {
			return dst, err
		}
		d.w = w
	} else {
		d.w.Reset(&d.buf)
	}
	d.buf.Reset()
	_, err := d.w.Write(body)
	if err == nil {
		err = d.w.Close()
	}
	if err == nil {
		dst = append(dst, d.buf.Bytes()...)
	}
	if d.buf.Cap() <= 8<<20 {
		deflaters[level].Put(d)
	}
	return dst, err
}

// inflate decompresses a zlib body into a new slice.
func inflate(body []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, maxInflatedBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxInflatedBytes {
		return nil, errInflatedTooLarge
	}
	return out, nil
}
