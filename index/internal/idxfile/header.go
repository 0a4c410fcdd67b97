package idxfile

import "encoding/binary"

// Format constants. They must never change: they are RocketMQ's.
const (
	HeaderSize     = 40         // bytes of the header
	SlotSize       = 4          // bytes of one hash slot
	EntrySize      = 20         // bytes of one entry
	DefaultSlots   = 5_000_000  // RocketMQ maxHashSlotNum
	DefaultEntries = 20_000_000 // RocketMQ maxIndexNum
)

const (
	offBeginTimestamp = 0
	offEndTimestamp   = 8
	offBeginPhyOffset = 16
	offEndPhyOffset   = 24
	offHashSlotCount  = 32
	offIndexCount     = 36
)

// Header is the decoded 40-byte file header.
type Header struct {
	BeginTimestamp int64 // ms; store time of the first entry
	EndTimestamp   int64 // ms; store time of the last entry
	BeginPhyOffset int64 // commit-log offset of the first entry
	EndPhyOffset   int64 // commit-log offset of the last entry
	HashSlotCount  int32 // slots that are not empty
	IndexCount     int32 // next entry number; 1 in an empty file
}

// Size returns the byte size of a file with the given slot and entry
// counts: 40 + 4*slots + 20*entries.
func Size(slots, entries int) int64 {
	return HeaderSize + int64(slots)*SlotSize + int64(entries)*EntrySize
}

// DecodeHeader reads the header at the start of b, which must hold at least
// HeaderSize bytes.
func DecodeHeader(b []byte) Header {
	_ = b[HeaderSize-1]
	return Header{
		BeginTimestamp: int64(binary.BigEndian.Uint64(b[offBeginTimestamp:])),
		EndTimestamp:   int64(binary.BigEndian.Uint64(b[offEndTimestamp:])),
		BeginPhyOffset: int64(binary.BigEndian.Uint64(b[offBeginPhyOffset:])),
		EndPhyOffset:   int64(binary.BigEndian.Uint64(b[offEndPhyOffset:])),
		HashSlotCount:  int32(binary.BigEndian.Uint32(b[offHashSlotCount:])),
		IndexCount:     int32(binary.BigEndian.Uint32(b[offIndexCount:])),
	}
}

// AppendHeader appends the 40-byte encoding of h to dst.
func AppendHeader(dst []byte, h Header) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.BeginTimestamp))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.EndTimestamp))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.BeginPhyOffset))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.EndPhyOffset))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.HashSlotCount))
	return binary.BigEndian.AppendUint32(dst, uint32(h.IndexCount))
}

// TimeMatches reports whether [begin, end] overlaps the header's time range,
// as RocketMQ's IndexFile.isTimeMatched decides it.
func (h Header) TimeMatches(begin, end int64) bool {
	return (begin < h.BeginTimestamp && end > h.EndTimestamp) ||
		(begin >= h.BeginTimestamp && begin <= h.EndTimestamp) ||
		(end >= h.BeginTimestamp && end <= h.EndTimestamp)
}
