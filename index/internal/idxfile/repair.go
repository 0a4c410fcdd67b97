package idxfile

import "fmt"

// Truncate removes, newest first, every entry whose phyOffset is at or past
// phyOffset, undoing each Put exactly (the slot gets the entry's Prev back),
// and returns how many it removed. The end fields then describe the newest
// remaining entry; with none left (or an empty file that began past
// phyOffset) they are set to phyOffset, so that a re-dispatch from there
// indexes again. It writes the header. Used when
// recovery cut the commit log shorter than what the index saw.
func (f *File) Truncate(phyOffset int64) (int, error) {
	removed := 0
	for n := f.h.IndexCount - 1; n >= 1 && f.err == nil; n-- {
		e, err := f.writerEntry(f.wbuf[:], n)
		if err != nil {
			return removed, err
		}
		if e.PhyOffset < phyOffset {
			break
		}
		f.undo(n, e)
		f.h.IndexCount = n
		removed++
	}
	f.trimPending(f.h.IndexCount)
	emptyPast := f.h.IndexCount <= 1 && f.h.EndPhyOffset > phyOffset // begun where a cut file ended
	if removed > 0 || emptyPast {
		if err := f.resetEnd(phyOffset); err != nil {
			return removed, err
		}
	}
	return removed, f.WriteHeader()
}

// undo takes entry n, the newest, out of its slot's chain.
func (f *File) undo(n int32, e Entry) {
	if f.rawSlot(e.KeyHash) != n {
		return // torn or corrupt: the slot never pointed here
	}
	prev := e.Prev
	if prev < 0 || prev >= n {
		prev = 0
	}
	f.setSlot(e.KeyHash, prev)
	if prev == 0 {
		f.h.HashSlotCount = max(f.h.HashSlotCount-1, 0)
	}
}

// resetEnd sets the end fields from the newest entry, or to phyOffset and
// the begin time when the file is empty.
func (f *File) resetEnd(phyOffset int64) error {
	n := f.h.IndexCount - 1
	if n < 1 {
		f.h.BeginPhyOffset, f.h.EndPhyOffset = phyOffset, phyOffset
		f.h.EndTimestamp = f.h.BeginTimestamp
		return nil
	}
	e, err := f.writerEntry(f.wbuf[:], n)
	if err != nil {
		return err
	}
	f.h.EndPhyOffset = e.PhyOffset
	f.h.EndTimestamp = f.h.BeginTimestamp + int64(max(e.TimeDiff, 0))*1000
	return nil
}

// Rebuild recomputes the slot table from the entries after a crash: the
// region's slot table may lag the entries (FlushSlots runs now and then)
// or run ahead of the header (a crash inside WriteHeader), but every entry
// below the header's IndexCount was written before the header. Each slot
// becomes its newest entry's number, the non-empty slots are counted, the
// end fields are set from the newest entry and the table and header are
// written. It reads every entry once (in 64 KiB reads) and turns the cache
// off. It returns the number of slots whose value changed.
func (f *File) Rebuild() (int, error) {
	if err := f.Uncache(); err != nil {
		return 0, err
	}
	old, err := f.readSlots()
	if err != nil {
		return 0, err
	}
	slots := make([]int32, f.slots)
	if err := f.eachEntry(func(n int32, e Entry) { slots[f.slotIndex(e.KeyHash)] = n }); err != nil {
		return 0, err
	}
	changed, used := 0, int32(0)
	for i, v := range slots {
		if v != old[i] {
			changed++
			f.writeInt32(HeaderSize+int64(i)*SlotSize, v)
		}
		if v != 0 {
			used++
		}
	}
	f.h.HashSlotCount = used
	if f.h.IndexCount > 1 {
		if err := f.resetEnd(0); err != nil {
			return changed, err
		}
	}
	return changed, f.WriteHeader()
}

// eachEntry calls fn for entries 1 .. IndexCount-1 in order.
func (f *File) eachEntry(fn func(n int32, e Entry)) error {
	buf := make([]byte, 64<<10/EntrySize*EntrySize)
	for n := int32(1); n < f.h.IndexCount; {
		k := min(int(f.h.IndexCount-n), len(buf)/EntrySize)
		chunk := buf[:k*EntrySize]
		if _, err := f.r.ReadAt(chunk, f.entryAt+int64(n)*EntrySize); err != nil {
			return fmt.Errorf("idxfile: read entries from %d: %w", n, err)
		}
		for i := 0; i < len(chunk); i += EntrySize {
			fn(n, decodeEntry(chunk[i:]))
			n++
		}
	}
	return nil
}
