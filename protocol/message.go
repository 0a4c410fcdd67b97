package protocol

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Stored-message layout (the commit-log record, RocketMQ's
// CommitLog/MessageDecoder format). All integers are big-endian. The offsets
// below assume an IPv4 born host and an IPv4 store host; an IPv6 host (sysflag
// bits 0x10 / 0x20) is 20 bytes instead of 8 and shifts every later field by 12.
//
//	off  size  field
//	  0     4  TOTALSIZE        whole record, this field included
//	  4     4  MAGICCODE        MagicV1, MagicV2 (or MagicBlank for an end-of-segment filler)
//	  8     4  BODYCRC          CRC-32 (IEEE) of the stored body & 0x7FFFFFFF
//	 12     4  QUEUEID
//	 16     4  FLAG             producer's flag
//	 20     8  QUEUEOFFSET      consume-queue index of this message
//	 28     8  PHYSICALOFFSET   commit-log offset of this very record
//	 36     4  SYSFLAG          SysFlag* bits
//	 40     8  BORNTIMESTAMP    ms
//	 48   8|20 BORNHOST         IP (4|16) + port (int 4)
//	 56     8  STORETIMESTAMP   ms, taken by the broker inside the append lock
//	 64   8|20 STOREHOST        IP (4|16) + port (int 4)
//	 72     4  RECONSUMETIMES
//	 76     8  PREPAREDTRANSACTIONOFFSET
//	 84     4  BODYLENGTH, then BODYLENGTH bytes
//	  .   1|2  TOPICLENGTH (1 byte for V1, 2 for V2), then the topic bytes
//	  .     2  PROPERTIESLENGTH, then the properties bytes (see PropertyValue)
//
// An end-of-segment filler (blank) is 8 bytes of header: TOTALSIZE = bytes
// left in the segment, MAGICCODE = MagicBlank; the rest of the segment is not
// part of any record.
//
// These values are RocketMQ's on-disk and on-wire format: they must never change.
const (
	MagicV1    int32 = -626843481 // 0xDAA320A7: topic length is 1 byte
	MagicV2    int32 = -626843477 // 0xDAA320AB: topic length is 2 bytes (RocketMQ 5.1+)
	MagicBlank int32 = -875286124 // 0xCBD43194: end-of-segment filler

	// BlankHeaderSize is the size of a blank (end-of-segment) header.
	BlankHeaderSize = 8
	// StoredMessageFixedSizeV1 is the record size of a V1 message with IPv4
	// hosts and empty body, topic and properties.
	StoredMessageFixedSizeV1 = 91

	offTotalSize      = 0
	offMagic          = 4
	offBodyCRC        = 8
	offQueueID        = 12
	offFlag           = 16
	offQueueOffset    = 20
	offPhysicalOffset = 28
	offSysFlag        = 36
	offBornTimestamp  = 40
	offBornHost       = 48
	hostSizeV4        = 8
	hostSizeV6        = 20
)

// SysFlag bits (RocketMQ MessageSysFlag).
const (
	SysFlagCompressed        int32 = 0x1
	SysFlagMultiTags         int32 = 0x2
	SysFlagTransactionMask   int32 = 0xC
	SysFlagTransactionNot    int32 = 0x0
	SysFlagTransactionPrep   int32 = 0x4
	SysFlagTransactionCommit int32 = 0x8
	SysFlagTransactionRollbk int32 = 0xC
	SysFlagBornHostV6        int32 = 0x10
	SysFlagStoreHostV6       int32 = 0x20
	SysFlagNeedUnwrap        int32 = 0x40
	SysFlagInnerBatch        int32 = 0x80
	SysFlagCompressionMask   int32 = 0x700
)

// Errors of the stored-message decoder.
var (
	ErrStoredMessageShort = errors.New("protocol: stored message: record shorter than its fields")
	ErrStoredMessageMagic = errors.New("protocol: stored message: bad magic code")
	ErrStoredMessageSize  = errors.New("protocol: stored message: TOTALSIZE does not match the field lengths")
	ErrStoredMessageBlank = errors.New("protocol: stored message: blank end-of-segment record")
)

// StoredMessage is a decoded view of one stored-message record; every slice
// aliases the record passed to DecodeStoredMessage and is valid as long as
// that record is. As the input of PutStoredMessage / AppendStoredMessage the
// slices are only read.
type StoredMessage struct {
	TotalSize, Magic, BodyCRC, QueueID, Flag int32
	QueueOffset, PhysicalOffset              int64
	SysFlag                                  int32
	BornTimestamp                            int64
	BornHost                                 []byte // IP bytes (4 or 16) + 4-byte port, as stored
	StoreTimestamp                           int64
	StoreHost                                []byte
	ReconsumeTimes                           int32
	PreparedTransactionOffset                int64
	Body, Topic, Properties                  []byte
}

// BodyCRC returns RocketMQ's body checksum: CRC-32 (IEEE) masked with 0x7FFFFFFF.
func BodyCRC(body []byte) int32 {
	return int32(crc32.ChecksumIEEE(body) & 0x7FFFFFFF)
}

func hostSize(sysFlag, v6bit int32) int {
	if sysFlag&v6bit != 0 {
		return hostSizeV6
	}
	return hostSizeV4
}

// StoredMessageSize is the record size for the given field lengths, sysflag
// (host widths) and magic (topic-length width).
func StoredMessageSize(bodyLen, topicLen, propsLen int, sysFlag, magic int32) int {
	n := StoredMessageFixedSizeV1 + bodyLen + topicLen + propsLen
	n += hostSize(sysFlag, SysFlagBornHostV6) - hostSizeV4
	n += hostSize(sysFlag, SysFlagStoreHostV6) - hostSizeV4
	if magic == MagicV2 {
		n++
	}
	return n
}

// Size returns the encoded size of m, with m.Magic 0 meaning MagicV1.
func (m *StoredMessage) Size() int {
	return StoredMessageSize(len(m.Body), len(m.Topic), len(m.Properties), m.SysFlag, m.Magic)
}

// PutStoredMessage encodes m into dst[:m.Size()] and returns the size. It
// sets m.TotalSize, and m.Magic to MagicV1 when it is 0. It writes m.BodyCRC
// as given (compute it with BodyCRC before taking any append lock).
// BornHost and StoreHost must be 8 or 20 bytes to match the sysflag, the topic
// at most 255 bytes (V1) and the properties at most 32767 bytes; callers
// validate with ValidateStoredMessage first. It panics if dst is too short,
// which is a bug in the caller.
func PutStoredMessage(dst []byte, m *StoredMessage) int {
	if m.Magic == 0 {
		m.Magic = MagicV1
	}
	n := m.Size()
	m.TotalSize = int32(n)
	b := dst[:n]
	be := binary.BigEndian
	be.PutUint32(b[offTotalSize:], uint32(n))
	be.PutUint32(b[offMagic:], uint32(m.Magic))
	be.PutUint32(b[offBodyCRC:], uint32(m.BodyCRC))
	be.PutUint32(b[offQueueID:], uint32(m.QueueID))
	be.PutUint32(b[offFlag:], uint32(m.Flag))
	be.PutUint64(b[offQueueOffset:], uint64(m.QueueOffset))
	be.PutUint64(b[offPhysicalOffset:], uint64(m.PhysicalOffset))
	be.PutUint32(b[offSysFlag:], uint32(m.SysFlag))
	be.PutUint64(b[offBornTimestamp:], uint64(m.BornTimestamp))
	p := offBornHost + putHost(b[offBornHost:], m.BornHost, hostSize(m.SysFlag, SysFlagBornHostV6))
	be.PutUint64(b[p:], uint64(m.StoreTimestamp))
	p += 8
	p += putHost(b[p:], m.StoreHost, hostSize(m.SysFlag, SysFlagStoreHostV6))
	be.PutUint32(b[p:], uint32(m.ReconsumeTimes))
	be.PutUint64(b[p+4:], uint64(m.PreparedTransactionOffset))
	be.PutUint32(b[p+12:], uint32(len(m.Body)))
	p += 16
	p += copy(b[p:], m.Body)
	if m.Magic == MagicV2 {
		be.PutUint16(b[p:], uint16(len(m.Topic)))
		p += 2
	} else {
		b[p] = byte(len(m.Topic))
		p++
	}
	p += copy(b[p:], m.Topic)
	be.PutUint16(b[p:], uint16(len(m.Properties)))
	copy(b[p+2:], m.Properties)
	return n
}

// putHost writes host into dst[:size], zero-filling what host lacks.
func putHost(dst, host []byte, size int) int {
	c := copy(dst[:size], host)
	clear(dst[c:size])
	return size
}

// AppendStoredMessage appends the encoding of m to dst (see PutStoredMessage).
func AppendStoredMessage(dst []byte, m *StoredMessage) []byte {
	if m.Magic == 0 {
		m.Magic = MagicV1
	}
	n := m.Size()
	dst = growBytes(dst, n)
	PutStoredMessage(dst[len(dst)-n:], m)
	return dst
}

func growBytes(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, 2*cap(b)+n)
	copy(nb, b)
	return nb
}

// PutBlank writes a blank (end-of-segment) header covering n bytes into dst.
func PutBlank(dst []byte, n int32) {
	binary.BigEndian.PutUint32(dst[offTotalSize:], uint32(n))
	binary.BigEndian.PutUint32(dst[offMagic:], 0xCBD43194)
}

// PeekRecordHeader reads TOTALSIZE and MAGICCODE of the record at the start
// of b. ok is false when b holds fewer than 8 bytes.
func PeekRecordHeader(b []byte) (totalSize, magic int32, ok bool) {
	if len(b) < BlankHeaderSize {
		return 0, 0, false
	}
	return int32(binary.BigEndian.Uint32(b)), int32(binary.BigEndian.Uint32(b[4:])), true
}

// DecodeStoredMessage decodes the record at the start of rec into m, in
// place: every slice in m aliases rec. It validates that TOTALSIZE fits in
// rec and equals the size the field lengths add up to, and the magic; it
// does not check the body CRC (see VerifyBodyCRC). It never panics. A blank
// record returns ErrStoredMessageBlank with m.TotalSize and m.Magic set.
func DecodeStoredMessage(rec []byte, m *StoredMessage) error {
	total, magic, ok := PeekRecordHeader(rec)
	if !ok {
		return ErrStoredMessageShort
	}
	m.TotalSize, m.Magic = total, magic
	switch magic {
	case MagicV1, MagicV2:
	case MagicBlank:
		return ErrStoredMessageBlank
	default:
		return ErrStoredMessageMagic
	}
	if total < StoredMessageFixedSizeV1 || int64(total) > int64(len(rec)) {
		return ErrStoredMessageSize
	}
	return decodeFields(rec[:total], m)
}

// decodeFields decodes a record of exactly len(b) bytes with a known magic.
func decodeFields(b []byte, m *StoredMessage) error {
	r := reader{b: b, p: offBodyCRC}
	m.BodyCRC = r.i32()
	m.QueueID = r.i32()
	m.Flag = r.i32()
	m.QueueOffset = r.i64()
	m.PhysicalOffset = r.i64()
	m.SysFlag = r.i32()
	m.BornTimestamp = r.i64()
	m.BornHost = r.bytes(hostSize(m.SysFlag, SysFlagBornHostV6))
	m.StoreTimestamp = r.i64()
	m.StoreHost = r.bytes(hostSize(m.SysFlag, SysFlagStoreHostV6))
	m.ReconsumeTimes = r.i32()
	m.PreparedTransactionOffset = r.i64()
	m.Body = r.bytes(int(r.i32()))
	if m.Magic == MagicV2 {
		m.Topic = r.bytes(int(r.u16()))
	} else {
		m.Topic = r.bytes(int(r.u8()))
	}
	m.Properties = r.bytes(int(r.u16()))
	if r.bad {
		return ErrStoredMessageShort
	}
	if r.p != len(b) {
		return ErrStoredMessageSize
	}
	return nil
}

// VerifyBodyCRC reports whether m.BodyCRC matches m.Body.
func VerifyBodyCRC(m *StoredMessage) bool {
	return BodyCRC(m.Body) == m.BodyCRC
}

// reader reads big-endian fields with a sticky out-of-range flag, checked
// once by the caller.
type reader struct {
	b   []byte
	p   int
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n < 0 || n > len(r.b)-r.p {
		r.bad = true
		return nil
	}
	s := r.b[r.p : r.p+n : r.p+n]
	r.p += n
	return s
}

func (r *reader) u8() uint8 {
	if s := r.take(1); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if s := r.take(2); s != nil {
		return binary.BigEndian.Uint16(s)
	}
	return 0
}

func (r *reader) i32() int32 {
	if s := r.take(4); s != nil {
		return int32(binary.BigEndian.Uint32(s))
	}
	return 0
}

func (r *reader) i64() int64 {
	if s := r.take(8); s != nil {
		return int64(binary.BigEndian.Uint64(s))
	}
	return 0
}

func (r *reader) bytes(n int) []byte { return r.take(n) }
