package protocol

import (
	"encoding/binary"
	"errors"
)

// Frame limits. DefaultMaxFrameBytes matches Java's NettyDecoder default
// (com.rocketmq.remoting.frameMaxLength): the limit counts the 4-byte
// length prefix too.
const (
	DefaultMaxFrameBytes = 16 << 20
	// MaxHeaderBytes is the largest header the 24-bit header length can
	// describe.
	MaxHeaderBytes = 1<<24 - 1
	// frameFixedBytes is the length prefix plus the header-length word.
	frameFixedBytes = 8
)

// Frame errors. A transport closes the connection on any of them: the
// stream cannot be resynchronised.
var (
	// ErrFrameTooLarge: the length prefix exceeds the frame limit.
	ErrFrameTooLarge = errors.New("protocol: frame exceeds the maximum frame size")
	// ErrFrameTooShort: the length prefix is below 4, so the frame cannot
	// even hold its header-length word.
	ErrFrameTooShort = errors.New("protocol: frame length too short for a header-length word")
	// ErrFrameLength: the frame given to Decode is not exactly as long as
	// its length prefix says.
	ErrFrameLength = errors.New("protocol: frame length prefix does not match the frame")
	// ErrHeaderLength: the header length exceeds what the frame holds.
	ErrHeaderLength = errors.New("protocol: header length exceeds the frame")
	// ErrSerializeType: the serialize-type byte is neither JSON nor ROCKETMQ.
	ErrSerializeType = errors.New("protocol: unknown serialize type")
)

// SplitFrame reports the size n of the first whole frame at the start of buf,
// including its 4-byte length prefix. n == 0 with a nil error means buf does
// not yet hold a whole frame. maxFrameBytes <= 0 means DefaultMaxFrameBytes;
// it limits n. Errors are ErrFrameTooShort and ErrFrameTooLarge, both
// reported as soon as the 4-byte prefix has arrived.
func SplitFrame(buf []byte, maxFrameBytes int) (n int, err error) {
	if len(buf) < 4 {
		return 0, nil
	}
	if maxFrameBytes <= 0 {
		maxFrameBytes = DefaultMaxFrameBytes
	}
	length := uint64(binary.BigEndian.Uint32(buf))
	if length < 4 {
		return 0, ErrFrameTooShort
	}
	total := length + 4
	if total > uint64(maxFrameBytes) {
		return 0, ErrFrameTooLarge
	}
	if uint64(len(buf)) < total {
		return 0, nil
	}
	return int(total), nil
}

// Decode resets c and decodes one whole frame (length prefix included, as
// SplitFrame delimits it) into c. Remark, Body and ext fields alias frame
// (see Command for their lifetime); frame itself is never modified. Decode
// never panics; on error c holds no usable data.
func (c *Command) Decode(frame []byte) error {
	c.Reset()
	if len(frame) < frameFixedBytes {
		return ErrFrameLength
	}
	length := uint64(binary.BigEndian.Uint32(frame))
	if length+4 != uint64(len(frame)) {
		return ErrFrameLength
	}
	word := binary.BigEndian.Uint32(frame[4:])
	headerLen := int(word & MaxHeaderBytes)
	if headerLen > len(frame)-frameFixedBytes {
		return ErrHeaderLength
	}
	header := frame[frameFixedBytes : frameFixedBytes+headerLen]
	var err error
	switch st := SerializeType(word >> 24); st {
	case SerializeJSON:
		err = c.decodeJSONHeader(header)
	case SerializeRocketMQ:
		err = c.decodeBinaryHeader(header)
	default:
		err = ErrSerializeType
	}
	if err != nil {
		c.Reset()
		return err
	}
	c.SerializeType = SerializeType(word >> 24)
	if body := frame[frameFixedBytes+headerLen:]; len(body) > 0 {
		c.Body = body
	}
	return nil
}

// AppendHeader appends the frame start for c: the 4-byte total length, the
// header-length word and the header in c.SerializeType (any type other than
// SerializeRocketMQ is written as JSON), for a body of bodyLen bytes that the
// caller writes after it, possibly as several slices (writev). c.Body is
// ignored. The header must stay below MaxHeaderBytes; a larger one is a
// programming error and panics.
func (c *Command) AppendHeader(dst []byte, bodyLen int) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
	st := SerializeJSON
	if c.SerializeType == SerializeRocketMQ {
		st = SerializeRocketMQ
		dst = c.appendBinaryHeader(dst)
	} else {
		dst = c.appendJSONHeader(dst)
	}
	headerLen := len(dst) - start - frameFixedBytes
	if headerLen > MaxHeaderBytes {
		panic("protocol: encoded header exceeds 16 MiB")
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(4+headerLen+bodyLen))
	binary.BigEndian.PutUint32(dst[start+4:], uint32(st)<<24|uint32(headerLen))
	return dst
}

// AppendFrame appends the whole frame for c: AppendHeader and c.Body.
func (c *Command) AppendFrame(dst []byte) []byte {
	dst = c.AppendHeader(dst, len(c.Body))
	return append(dst, c.Body...)
}
