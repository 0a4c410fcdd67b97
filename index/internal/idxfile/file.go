package idxfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync/atomic"
)

// ErrBadHeader reports a header that cannot belong to a file of the
// configured shape (an index count out of range, say): the file is corrupt
// or was written with other slot or entry counts.
var ErrBadHeader = errors.New("idxfile: header does not match the file shape")

// Region is where a File's bytes live: the index file itself (pread and
// pwrite on an *os.File) or memory (Mem). Offsets are file offsets.
type Region interface {
	io.ReaderAt
	io.WriterAt
}

// Mem is a Region in memory, for tests and tools.
type Mem []byte

// ReadAt copies from the region; reading past the end is io.EOF.
func (m Mem) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(m)) {
		return 0, io.EOF
	}
	return copy(p, m[off:]), nil
}

// WriteAt copies into the region; writing past the end is an error.
func (m Mem) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(m)) {
		return 0, io.ErrShortWrite
	}
	return copy(m[off:], p), nil
}

// Entry is one decoded 20-byte entry.
type Entry struct {
	KeyHash   int32 // abs(Java hash of topic#key)
	PhyOffset int64 // commit-log offset of the message
	TimeDiff  int32 // seconds since the header's BeginTimestamp
	Prev      int32 // older entry in the same slot, 0 = end of chain
}

// File is one index file over a Region. Put, Has, Truncate, Rebuild,
// Cache, Uncache, FlushSlots and WriteHeader are the writer's; they must
// not run concurrently with each other. The header a writer changes is kept
// in memory and reaches the region only in WriteHeader, so that a writer
// can batch it. Lookup may run concurrently with the writer (on a region
// that tolerates it, as pread and pwrite do): it reads the header and
// entries from the region and the slots from the region or, with Cache on,
// from the published in-memory slot table.
//
// With Cache on, the writer keeps two slot tables in memory, its own and
// the published one, and buffers entries: a Put costs no I/O. WriteHeader
// writes the buffered entries (one write) and the header, then copies the
// changed slots into the published table. The region's slot table is
// written by FlushSlots (periodically, when the file is full, at close) and
// may lag; after a crash Rebuild derives it from the entries.
type File struct {
	r       Region
	h       Header // the writer's header; written to r by WriteHeader
	slots   int32  // immutable after New/Load
	entries int32  // immutable after New/Load
	entryAt int64  // byte offset of entry 0; immutable
	wbuf    [EntrySize]byte
	hbuf    [HeaderSize]byte // WriteHeader's buffer
	err     error            // sticky: the first region error of a writer method

	// writer cache, nil/empty unless Cache was called
	cache     []int32                 // the writer's slot table
	pub       atomic.Pointer[[]int32] // published slot table; elements accessed atomically
	dirty     []int32                 // slots changed since the last WriteHeader (may repeat)
	pageDirty []uint64                // bitmap of slot pages changed since the last FlushSlots
	pend      []byte                  // entries not yet written, starting with entry pendFrom
	pendFrom  int32
	pageBuf   []byte // FlushSlots' encode buffer
}

func newFile(r Region, slots, entries int) (*File, error) {
	if slots <= 0 || entries <= 1 || slots > math.MaxInt32/SlotSize || entries > math.MaxInt32 {
		return nil, fmt.Errorf("idxfile: slots %d and entries %d out of range", slots, entries)
	}
	return &File{r: r, slots: int32(slots), entries: int32(entries),
		entryAt: HeaderSize + int64(slots)*SlotSize}, nil
}

// New formats r, which must read as zeros, as an empty index file whose
// begin and end are the previous file's end (RocketMQ starts a file where
// the last one stopped), or zero for the first file. It writes the header.
func New(r Region, slots, entries int, prevEndPhyOffset, prevEndTimestamp int64) (*File, error) {
	f, err := newFile(r, slots, entries)
	if err != nil {
		return nil, err
	}
	f.h = Header{
		BeginTimestamp: max(prevEndTimestamp, 0), EndTimestamp: max(prevEndTimestamp, 0),
		BeginPhyOffset: max(prevEndPhyOffset, 0), EndPhyOffset: max(prevEndPhyOffset, 0),
		IndexCount: 1,
	}
	return f, f.WriteHeader()
}

// Load reads the header of an existing file from r and checks that it fits
// the shape. It repairs nothing; see Repair.
func Load(r Region, slots, entries int) (*File, error) {
	f, err := newFile(r, slots, entries)
	if err != nil {
		return nil, err
	}
	var b [HeaderSize]byte
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return nil, fmt.Errorf("idxfile: read header: %w", err)
	}
	h := DecodeHeader(b[:])
	if h.IndexCount == 0 { // RocketMQ's IndexHeader.load treats <= 0 as 1
		h.IndexCount = 1
	}
	if h.IndexCount < 0 || h.IndexCount > f.entries || h.HashSlotCount < 0 || h.HashSlotCount > f.slots {
		return nil, fmt.Errorf("%w: indexCount %d hashSlotCount %d", ErrBadHeader, h.IndexCount, h.HashSlotCount)
	}
	f.h = h
	return f, nil
}

// Header returns the writer's header (which may be ahead of the region's
// until WriteHeader).
func (f *File) Header() Header { return f.h }

// WriteHeader publishes the writer's work: buffered entries (with Cache)
// go to the region, then the header, then changed slots to the slot table
// readers use (with Cache, in memory; see FlushSlots for the region).
func (f *File) WriteHeader() error {
	f.writeEntries()
	AppendHeader(f.hbuf[:0], f.h)
	if _, err := f.r.WriteAt(f.hbuf[:], 0); err != nil && f.err == nil {
		f.err = fmt.Errorf("idxfile: write header: %w", err)
	}
	if f.err == nil {
		f.publishSlots()
	}
	return f.err
}

// Err returns the sticky error of the writer methods.
func (f *File) Err() error { return f.err }

// Full reports whether no entry is left (RocketMQ isWriteFull).
func (f *File) Full() bool { return f.h.IndexCount >= f.entries }

// Count returns the number of entries written.
func (f *File) Count() int { return int(f.h.IndexCount) - 1 }

// Entry reads entry n (1 <= n < entries) as the writer sees it.
func (f *File) Entry(n int32) (Entry, error) {
	var b [EntrySize]byte
	return f.writerEntry(b[:], n)
}

// writerEntry reads entry n from the pending buffer or the region.
func (f *File) writerEntry(buf []byte, n int32) (Entry, error) {
	if i := int(n-f.pendFrom) * EntrySize; len(f.pend) > 0 && n >= f.pendFrom && i < len(f.pend) {
		return decodeEntry(f.pend[i:]), nil
	}
	return f.readEntry(buf, n)
}

func decodeEntry(b []byte) Entry {
	return Entry{
		KeyHash:   int32(binary.BigEndian.Uint32(b)),
		PhyOffset: int64(binary.BigEndian.Uint64(b[4:])),
		TimeDiff:  int32(binary.BigEndian.Uint32(b[12:])),
		Prev:      int32(binary.BigEndian.Uint32(b[16:])),
	}
}

// readEntry reads entry n using buf (EntrySize bytes) as scratch.
func (f *File) readEntry(buf []byte, n int32) (Entry, error) {
	if n < 0 || n >= f.entries {
		return Entry{}, fmt.Errorf("idxfile: entry %d out of range", n)
	}
	if _, err := f.r.ReadAt(buf[:EntrySize], f.entryAt+int64(n)*EntrySize); err != nil {
		return Entry{}, fmt.Errorf("idxfile: read entry %d: %w", n, err)
	}
	return decodeEntry(buf), nil
}

func appendEntry(dst []byte, e Entry) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(e.KeyHash))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.PhyOffset))
	dst = binary.BigEndian.AppendUint32(dst, uint32(e.TimeDiff))
	return binary.BigEndian.AppendUint32(dst, uint32(e.Prev))
}

// writeEntry writes entry n, or buffers it with Cache on (writer only).
func (f *File) writeEntry(n int32, e Entry) {
	if f.cache != nil && (len(f.pend) == 0 || n == f.pendFrom+int32(len(f.pend)/EntrySize)) {
		if len(f.pend) == 0 {
			f.pendFrom = n
		}
		f.pend = appendEntry(f.pend, e)
		return
	}
	w := appendEntry(f.wbuf[:0], e)
	if _, err := f.r.WriteAt(w, f.entryAt+int64(n)*EntrySize); err != nil && f.err == nil {
		f.err = fmt.Errorf("idxfile: write entry %d: %w", n, err)
	}
}

// slotPos returns the byte offset of keyHash's slot. Key hashes are never
// negative (KeyHash makes sure); the unsigned modulo keeps a bad one in range.
func (f *File) slotPos(keyHash int32) int64 {
	return HeaderSize + int64(uint32(keyHash)%uint32(f.slots))*SlotSize
}

// readInt32 reads a big-endian int32 at off using buf as scratch.
func (f *File) readInt32(buf []byte, off int64) (int32, error) {
	if _, err := f.r.ReadAt(buf[:4], off); err != nil {
		return 0, fmt.Errorf("idxfile: read at %d: %w", off, err)
	}
	return int32(binary.BigEndian.Uint32(buf)), nil
}

// writeInt32 writes v at off (writer only).
func (f *File) writeInt32(off int64, v int32) {
	binary.BigEndian.PutUint32(f.wbuf[:4], uint32(v))
	if _, err := f.r.WriteAt(f.wbuf[:4], off); err != nil && f.err == nil {
		f.err = fmt.Errorf("idxfile: write at %d: %w", off, err)
	}
}

// slotIndex returns keyHash's slot number.
func (f *File) slotIndex(keyHash int32) int32 { return int32(uint32(keyHash) % uint32(f.slots)) }

// rawSlot returns the stored slot value unchecked (writer only).
func (f *File) rawSlot(keyHash int32) int32 {
	if f.cache != nil {
		return f.cache[f.slotIndex(keyHash)]
	}
	v, err := f.readInt32(f.wbuf[:], f.slotPos(keyHash))
	if err != nil && f.err == nil {
		f.err = err
	}
	return v
}

// setSlot sets keyHash's slot (writer only): in the cache, to be written
// by WriteHeader, or straight to the region.
func (f *File) setSlot(keyHash, v int32) {
	if f.cache != nil {
		i := f.slotIndex(keyHash)
		f.cache[i] = v
		f.dirty = append(f.dirty, i)
		return
	}
	f.writeInt32(f.slotPos(keyHash), v)
}

// slot returns the head entry of keyHash's slot, or 0 when the stored value
// is not an entry that exists (empty, torn or corrupt). Writer only.
func (f *File) slot(keyHash int32) int32 {
	v := f.rawSlot(keyHash)
	if v <= 0 || v >= f.h.IndexCount {
		return 0
	}
	return v
}
