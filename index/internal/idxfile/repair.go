package idxfile

// Truncate removes, newest first, every entry whose phyOffset is at or past
// phyOffset, undoing each Put exactly (the slot gets the entry's Prev back),
// and returns how many it removed. The end fields then describe the newest
// remaining entry; with none left they are set to phyOffset, so that a
// re-dispatch from there indexes again. Used when recovery cut the commit
// log shorter than what the index saw.
func (f *File) Truncate(phyOffset int64) int {
	removed := 0
	for n := f.indexCount() - 1; n >= 1; n-- {
		e := f.Entry(n)
		if e.PhyOffset < phyOffset {
			break
		}
		f.undo(n, e)
		f.setInt32(offIndexCount, n)
		removed++
	}
	if removed > 0 {
		f.resetEnd(phyOffset)
	}
	return removed
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
		f.setInt32(offHashSlotCount, max(f.int32At(offHashSlotCount)-1, 0))
	}
}

// resetEnd sets the end fields from the newest entry, or to phyOffset and
// the begin time when the file is empty.
func (f *File) resetEnd(phyOffset int64) {
	begin := f.int64At(offBeginTimestamp)
	n := f.indexCount() - 1
	if n < 1 {
		f.setInt64(offBeginPhyOffset, phyOffset)
		f.setInt64(offEndPhyOffset, phyOffset)
		f.setInt64(offEndTimestamp, begin)
		return
	}
	e := f.Entry(n)
	f.setInt64(offEndPhyOffset, e.PhyOffset)
	f.setInt64(offEndTimestamp, begin+int64(max(e.TimeDiff, 0))*1000)
}

// Repair makes the file consistent after a Put that a crash interrupted:
// a slot that points at the entry not yet counted gets that entry's Prev
// back, a slot that points anywhere else out of range is emptied, the
// non-empty slots are recounted and the end fields are set from the newest
// entry. It reads the whole slot table, so it runs once, at open, on the
// file that was being written. It returns the number of slots it changed.
func (f *File) Repair() int {
	count := f.indexCount()
	changed, used := 0, int32(0)
	for pos := HeaderSize; pos < f.entryAt; pos += SlotSize {
		v := f.int32At(pos)
		fixed := v
		if v == count && count < f.entries {
			fixed = f.Entry(v).Prev // the torn Put wrote its entry before the slot
		}
		if fixed < 0 || fixed >= count {
			fixed = 0
		}
		if fixed != v {
			f.setInt32(pos, fixed)
			changed++
		}
		if fixed != 0 {
			used++
		}
	}
	f.setInt32(offHashSlotCount, used)
	if count > 1 {
		f.resetEnd(0)
	}
	return changed
}
