package index

import (
	"encoding/binary"
	"math"
)

// EntrySize is the size of one consume-queue entry. Format constant: must
// never change (RocketMQ ConsumeQueue.CQ_STORE_UNIT_SIZE).
const EntrySize = 20

// DefaultSegmentBytes is RocketMQ's consume-queue segment size:
// 300,000 entries of 20 bytes (mappedFileSizeConsumeQueue).
const DefaultSegmentBytes = 300_000 * EntrySize

// Entry is one decoded consume-queue entry.
type Entry struct {
	PhyOffset int64 // commit-log offset of the record
	Size      int32 // TOTALSIZE of the record
	TagsCode  int64 // Java hash of TAGS, a delivery time, or whatever Config.TagsCode said
}

// fillerEntry is what RocketMQ writes in front of a queue whose first
// segment starts mid-file (ConsumeQueue.fillPreBlank).
var fillerEntry = Entry{PhyOffset: 0, Size: math.MaxInt32, TagsCode: 0}

// Valid reports RocketMQ's validity rule: offset >= 0 and size > 0.
// Recovery stops at the first entry that is not valid.
func (e Entry) Valid() bool { return e.PhyOffset >= 0 && e.Size > 0 }

// Filler reports whether e is a filler entry that points at no message.
func (e Entry) Filler() bool { return e == fillerEntry }

// End returns the commit-log offset just past the entry's record.
func (e Entry) End() int64 { return e.PhyOffset + int64(e.Size) }

// AppendEntry appends the 20-byte encoding of e to dst:
//
//	0  8  phyOffset
//	8  4  size
//	12 8  tagsCode
func AppendEntry(dst []byte, e Entry) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.PhyOffset))
	dst = binary.BigEndian.AppendUint32(dst, uint32(e.Size))
	return binary.BigEndian.AppendUint64(dst, uint64(e.TagsCode))
}

// putEntry writes e into dst[:EntrySize].
func putEntry(dst []byte, e Entry) {
	_ = dst[EntrySize-1]
	binary.BigEndian.PutUint64(dst, uint64(e.PhyOffset))
	binary.BigEndian.PutUint32(dst[8:], uint32(e.Size))
	binary.BigEndian.PutUint64(dst[12:], uint64(e.TagsCode))
}

// DecodeEntry decodes the entry at the start of b. It returns
// ErrShortEntry when b holds fewer than EntrySize bytes; it does not judge
// validity (see Valid).
func DecodeEntry(b []byte) (Entry, error) {
	if len(b) < EntrySize {
		return Entry{}, ErrShortEntry
	}
	return decodeEntry(b), nil
}

// decodeEntry decodes b[:EntrySize]; b must be long enough.
func decodeEntry(b []byte) Entry {
	_ = b[EntrySize-1]
	return Entry{
		PhyOffset: int64(binary.BigEndian.Uint64(b)),
		Size:      int32(binary.BigEndian.Uint32(b[8:])),
		TagsCode:  int64(binary.BigEndian.Uint64(b[12:])),
	}
}

// validPrefix returns how many whole entries at the start of b a recovery
// keeps: it stops at the first entry that is not Valid or whose record
// would end past logEnd, the commit log's valid end. Filler entries are
// kept wherever they are; the caller decides what they mean.
func validPrefix(b []byte, logEnd int64) int {
	n := 0
	for ; (n+1)*EntrySize <= len(b); n++ {
		e := decodeEntry(b[n*EntrySize:])
		if e.Filler() {
			continue
		}
		if !e.Valid() || e.End() > logEnd {
			break
		}
	}
	return n
}
