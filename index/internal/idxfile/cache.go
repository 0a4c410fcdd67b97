package idxfile

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"sync/atomic"
)

// slotsPerPage is how many slots FlushSlots writes at a time.
const slotsPerPage = 4096 / SlotSize

// Cache loads the slot table into memory (twice: the writer's and the
// published one, 8 bytes per slot in all) and turns on entry buffering;
// see File. The writer calls it on the file it is about to fill, after any
// Rebuild.
func (f *File) Cache() error {
	if f.cache != nil {
		return nil
	}
	cache, err := f.readSlots()
	if err != nil {
		return err
	}
	f.cache = cache
	pub := make([]int32, len(cache))
	copy(pub, cache)
	f.pub.Store(&pub)
	f.pageDirty = make([]uint64, (int(f.slots)+slotsPerPage*64-1)/(slotsPerPage*64))
	f.pageBuf = make([]byte, slotsPerPage*SlotSize)
	return nil
}

// readSlots reads the region's slot table.
func (f *File) readSlots() ([]int32, error) {
	slots := make([]int32, f.slots)
	raw := make([]byte, min(len(slots)*SlotSize, 64<<10))
	for i := 0; i < len(slots); {
		chunk := raw[:min(len(raw), (len(slots)-i)*SlotSize)]
		if _, err := f.r.ReadAt(chunk, HeaderSize+int64(i)*SlotSize); err != nil {
			return nil, fmt.Errorf("idxfile: read slot table: %w", err)
		}
		for j := 0; j < len(chunk); j += SlotSize {
			slots[i] = int32(binary.BigEndian.Uint32(chunk[j:]))
			i++
		}
	}
	return slots, nil
}

// Uncache publishes, writes the slot table to the region and drops the
// cache; Lookup reads slots from the region again.
func (f *File) Uncache() error {
	if f.cache == nil {
		return f.WriteHeader()
	}
	err := f.FlushSlots()
	f.pub.Store(nil)
	f.cache, f.dirty, f.pend, f.pageDirty, f.pageBuf = nil, nil, nil, nil, nil
	return err
}

// writeEntries writes the buffered entries to the region.
func (f *File) writeEntries() {
	if len(f.pend) > 0 && f.err == nil {
		if _, err := f.r.WriteAt(f.pend, f.entryAt+int64(f.pendFrom)*EntrySize); err != nil {
			f.err = fmt.Errorf("idxfile: write entries from %d: %w", f.pendFrom, err)
		}
	}
	f.pend = f.pend[:0]
}

// publishSlots copies the slots changed since the last call into the
// published table and marks their pages for FlushSlots.
func (f *File) publishSlots() {
	p := f.pub.Load()
	if p == nil {
		return
	}
	pub := *p
	for _, i := range f.dirty {
		atomic.StoreInt32(&pub[i], f.cache[i])
		page := int(i) / slotsPerPage
		f.pageDirty[page/64] |= 1 << (page % 64)
	}
	f.dirty = f.dirty[:0]
}

// FlushSlots publishes and then writes every slot page changed since the
// last FlushSlots to the region (4 KiB writes). Without Cache it only
// publishes: slots went to the region at once.
func (f *File) FlushSlots() error {
	if err := f.WriteHeader(); err != nil || f.cache == nil {
		return err
	}
	for w, word := range f.pageDirty {
		for ; word != 0; word &= word - 1 {
			page := w*64 + bits.TrailingZeros64(word)
			f.writeSlotPage(page)
		}
		f.pageDirty[w] = 0
	}
	return f.err
}

// writeSlotPage writes slots [page*1024, page*1024+1024) from the cache.
func (f *File) writeSlotPage(page int) {
	from := page * slotsPerPage
	to := min(from+slotsPerPage, int(f.slots))
	b := f.pageBuf[:0]
	for _, v := range f.cache[from:to] {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	if _, err := f.r.WriteAt(b, HeaderSize+int64(from)*SlotSize); err != nil && f.err == nil {
		f.err = fmt.Errorf("idxfile: write slots from %d: %w", from, err)
	}
}

// Buffered returns the bytes of entries buffered since the last
// WriteHeader; the writer publishes early when it grows large.
func (f *File) Buffered() int { return len(f.pend) }

// trimPending drops buffered entries numbered count and above.
func (f *File) trimPending(count int32) {
	if len(f.pend) == 0 {
		return
	}
	keep := max(int(count-f.pendFrom), 0) * EntrySize
	f.pend = f.pend[:min(keep, len(f.pend))]
}
