package idxfile

// Truncate removes, newest first, every entry whose phyOffset is at or past
// phyOffset, undoing each Put exactly (the slot gets the entry's Prev back),
// and returns how many it removed. The end fields then describe the newest
// remaining entry; with none left they are set to phyOffset, so that a
// re-dispatch from there indexes again. It writes the header. Used when
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
	if removed > 0 {
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

// Repair makes the file consistent with its header after a crash: a slot
// that points at or past IndexCount (a Put whose header never reached the
// region) is walked back along the chain to the newest counted entry, a
// slot out of range otherwise is emptied, the non-empty slots are counted
// and the end fields are set from the newest entry. It reads the whole slot
// table, so it runs once, at open, on the file that was being written; it
// turns the cache off. It writes the header and returns the number of slots it
// changed.
func (f *File) Repair() (int, error) {
	if err := f.Uncache(); err != nil { // Repair works on the region itself
		return 0, err
	}
	count := f.h.IndexCount
	changed, used := 0, int32(0)
	var buf [EntrySize]byte
	for s := int32(0); s < f.slots && f.err == nil; s++ {
		pos := HeaderSize + int64(s)*SlotSize
		v, err := f.readInt32(buf[:], pos)
		if err != nil {
			return changed, err
		}
		fixed := v
		for fixed >= count && fixed < f.entries {
			e, err := f.readEntry(buf[:], fixed)
			if err != nil {
				return changed, err
			}
			if e.Prev >= fixed {
				fixed = 0
				break
			}
			fixed = e.Prev
		}
		if fixed < 0 || fixed >= count {
			fixed = 0
		}
		if fixed != v {
			f.writeInt32(pos, fixed)
			changed++
		}
		if fixed != 0 {
			used++
		}
	}
	f.h.HashSlotCount = used
	if count > 1 {
		if err := f.resetEnd(0); err != nil {
			return changed, err
		}
	}
	return changed, f.WriteHeader()
}
