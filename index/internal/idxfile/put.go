package idxfile

import "math"

// Put adds an entry for keyHash (from KeyHash) pointing at the message at
// phyOffset stored at storeTimestamp (ms), and reports false, writing
// nothing, when the file is full. It writes the entry, then the slot; the
// header changes stay in memory until WriteHeader, so readers of the region
// see the entry once the header is written, and Repair can undo slots that
// a crash left ahead of the header.
func (f *File) Put(keyHash int32, phyOffset, storeTimestamp int64) (bool, error) {
	n := f.h.IndexCount
	if n >= f.entries || f.err != nil {
		return false, f.err
	}
	prev := f.slot(keyHash)
	f.writeEntry(n, Entry{KeyHash: keyHash, PhyOffset: phyOffset,
		TimeDiff: timeDiff(storeTimestamp, f.h.BeginTimestamp), Prev: prev})
	f.setSlot(keyHash, n)
	if f.err != nil {
		return false, f.err
	}
	if n <= 1 {
		f.h.BeginPhyOffset = phyOffset
		f.h.BeginTimestamp = storeTimestamp
	}
	if prev == 0 {
		f.h.HashSlotCount++
	}
	f.h.IndexCount = n + 1
	f.h.EndPhyOffset = phyOffset
	f.h.EndTimestamp = storeTimestamp
	return true, nil
}

// timeDiff is RocketMQ's entry time: whole seconds since the file's begin,
// 0 while the file has no begin yet, clamped to [0, MaxInt32].
func timeDiff(storeTimestamp, beginTimestamp int64) int32 {
	if beginTimestamp <= 0 {
		return 0
	}
	d := (storeTimestamp - beginTimestamp) / 1000
	switch {
	case d < 0:
		return 0
	case d > math.MaxInt32:
		return math.MaxInt32
	}
	return int32(d)
}

// Has reports whether keyHash's chain already holds an entry with this
// exact hash and phyOffset. It walks only entries at or above phyOffset,
// so asking about the newest message costs a few reads. The dispatcher
// uses it to avoid indexing a message twice when it re-dispatches the
// message at the file's EndPhyOffset. Writer only.
func (f *File) Has(keyHash int32, phyOffset int64) (bool, error) {
	for n := f.slot(keyHash); n > 0; {
		e, err := f.writerEntry(f.wbuf[:], n)
		if err != nil {
			return false, err
		}
		if e.PhyOffset < phyOffset {
			return false, nil
		}
		if e.KeyHash == keyHash && e.PhyOffset == phyOffset {
			return true, nil
		}
		if e.Prev <= 0 || e.Prev >= n {
			return false, nil
		}
		n = e.Prev
	}
	return false, f.err
}
