package idxfile

import "math"

// Put adds an entry for keyHash (from KeyHash) pointing at the message at
// phyOffset stored at storeTimestamp (ms). It reports false, writing
// nothing, when the file is full. The writes follow RocketMQ's order
// (entry, slot, counters, end fields) so that Repair can undo a Put torn
// by a crash.
func (f *File) Put(keyHash int32, phyOffset, storeTimestamp int64) bool {
	n := f.indexCount()
	if n >= f.entries {
		return false
	}
	prev := f.slot(keyHash)
	begin := f.int64At(offBeginTimestamp)
	f.putEntry(n, Entry{KeyHash: keyHash, PhyOffset: phyOffset,
		TimeDiff: timeDiff(storeTimestamp, begin), Prev: prev})
	f.setSlot(keyHash, n)
	if n <= 1 {
		f.setInt64(offBeginPhyOffset, phyOffset)
		f.setInt64(offBeginTimestamp, storeTimestamp)
	}
	if prev == 0 {
		f.setInt32(offHashSlotCount, f.int32At(offHashSlotCount)+1)
	}
	f.setInt32(offIndexCount, n+1)
	f.setInt64(offEndPhyOffset, phyOffset)
	f.setInt64(offEndTimestamp, storeTimestamp)
	return true
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
// message at the file's EndPhyOffset.
func (f *File) Has(keyHash int32, phyOffset int64) bool {
	for n := f.slot(keyHash); n > 0; {
		e := f.Entry(n)
		if e.PhyOffset < phyOffset {
			return false
		}
		if e.KeyHash == keyHash && e.PhyOffset == phyOffset {
			return true
		}
		if e.Prev <= 0 || e.Prev >= n {
			return false
		}
		n = e.Prev
	}
	return false
}
