package idxfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrBadHeader reports a header that cannot belong to a file of the
// configured shape (an index count out of range, say): the file is corrupt
// or was written with other slot or entry counts.
var ErrBadHeader = errors.New("idxfile: header does not match the file shape")

// Entry is one decoded 20-byte entry.
type Entry struct {
	KeyHash   int32 // abs(Java hash of topic#key)
	PhyOffset int64 // commit-log offset of the message
	TimeDiff  int32 // seconds since the header's BeginTimestamp
	Prev      int32 // older entry in the same slot, 0 = end of chain
}

// File is one index file laid over a byte region. The region is owned by
// the caller, must stay valid and unmoved while the File is used, and must
// be exactly Size(slots, entries) long.
type File struct {
	b       []byte // the whole file; header fields are read from and written to it
	slots   int32  // immutable after New/Load
	entries int32  // immutable after New/Load
	entryAt int    // byte offset of entry 0; immutable
}

func newFile(b []byte, slots, entries int) (*File, error) {
	if slots <= 0 || entries <= 1 || slots > math.MaxInt32/SlotSize || entries > math.MaxInt32 {
		return nil, fmt.Errorf("idxfile: slots %d and entries %d out of range", slots, entries)
	}
	if int64(len(b)) != Size(slots, entries) {
		return nil, fmt.Errorf("idxfile: region is %d bytes, want %d", len(b), Size(slots, entries))
	}
	return &File{b: b, slots: int32(slots), entries: int32(entries),
		entryAt: HeaderSize + slots*SlotSize}, nil
}

// New formats a zeroed region as an empty index file whose begin and end
// are the previous file's end (RocketMQ starts a file where the last one
// stopped), or zero for the first file.
func New(b []byte, slots, entries int, prevEndPhyOffset, prevEndTimestamp int64) (*File, error) {
	f, err := newFile(b, slots, entries)
	if err != nil {
		return nil, err
	}
	AppendHeader(f.b[:0], Header{
		BeginTimestamp: max(prevEndTimestamp, 0), EndTimestamp: max(prevEndTimestamp, 0),
		BeginPhyOffset: max(prevEndPhyOffset, 0), EndPhyOffset: max(prevEndPhyOffset, 0),
		IndexCount: 1,
	})
	return f, nil
}

// Load lays a File over a region that already holds one and checks that
// the header fits the shape. It repairs nothing; see Repair.
func Load(b []byte, slots, entries int) (*File, error) {
	f, err := newFile(b, slots, entries)
	if err != nil {
		return nil, err
	}
	h := f.Header()
	if h.IndexCount == 0 { // RocketMQ's IndexHeader.load treats <= 0 as 1
		f.setInt32(offIndexCount, 1)
		h.IndexCount = 1
	}
	if h.IndexCount < 0 || h.IndexCount > f.entries || h.HashSlotCount < 0 || h.HashSlotCount > f.slots {
		return nil, fmt.Errorf("%w: indexCount %d hashSlotCount %d", ErrBadHeader, h.IndexCount, h.HashSlotCount)
	}
	return f, nil
}

// Header returns the current header.
func (f *File) Header() Header { return DecodeHeader(f.b) }

// Full reports whether no entry is left (RocketMQ isWriteFull).
func (f *File) Full() bool { return f.indexCount() >= f.entries }

// Count returns the number of entries written.
func (f *File) Count() int { return int(f.indexCount()) - 1 }

// Entry decodes entry n (1 <= n < entries).
func (f *File) Entry(n int32) Entry {
	p := f.entryAt + int(n)*EntrySize
	e := f.b[p : p+EntrySize]
	return Entry{
		KeyHash:   int32(binary.BigEndian.Uint32(e)),
		PhyOffset: int64(binary.BigEndian.Uint64(e[4:])),
		TimeDiff:  int32(binary.BigEndian.Uint32(e[12:])),
		Prev:      int32(binary.BigEndian.Uint32(e[16:])),
	}
}

func (f *File) putEntry(n int32, e Entry) {
	p := f.entryAt + int(n)*EntrySize
	w := f.b[p : p+EntrySize]
	binary.BigEndian.PutUint32(w, uint32(e.KeyHash))
	binary.BigEndian.PutUint64(w[4:], uint64(e.PhyOffset))
	binary.BigEndian.PutUint32(w[12:], uint32(e.TimeDiff))
	binary.BigEndian.PutUint32(w[16:], uint32(e.Prev))
}

// slotPos returns the byte offset of keyHash's slot. Key hashes are never
// negative (KeyHash makes sure); the unsigned modulo keeps a bad one in range.
func (f *File) slotPos(keyHash int32) int {
	return HeaderSize + int(uint32(keyHash)%uint32(f.slots))*SlotSize
}

// slot returns the head entry of keyHash's slot, or 0 when the stored value
// is not an entry that exists (empty, torn or corrupt).
func (f *File) slot(keyHash int32) int32 {
	v := f.rawSlot(keyHash)
	if v <= 0 || v >= f.indexCount() {
		return 0
	}
	return v
}

// rawSlot returns the stored slot value unchecked.
func (f *File) rawSlot(keyHash int32) int32 {
	return int32(binary.BigEndian.Uint32(f.b[f.slotPos(keyHash):]))
}

func (f *File) setSlot(keyHash int32, v int32) {
	binary.BigEndian.PutUint32(f.b[f.slotPos(keyHash):], uint32(v))
}

func (f *File) indexCount() int32 { return f.int32At(offIndexCount) }

func (f *File) int32At(off int) int32 { return int32(binary.BigEndian.Uint32(f.b[off:])) }

func (f *File) int64At(off int) int64 { return int64(binary.BigEndian.Uint64(f.b[off:])) }

func (f *File) setInt32(off int, v int32) { binary.BigEndian.PutUint32(f.b[off:], uint32(v)) }

func (f *File) setInt64(off int, v int64) { binary.BigEndian.PutUint64(f.b[off:], uint64(v)) }
