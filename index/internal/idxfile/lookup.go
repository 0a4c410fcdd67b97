package idxfile

import "sync/atomic"

// Lookup appends to dst the commit-log offsets of entries whose key hash is
// keyHash and whose store time (begin + timeDiff seconds) lies in
// [begin, end], newest first, until dst holds max offsets. It sees what
// the last WriteHeader published.
// It follows RocketMQ's IndexFile.selectPhyOffset: the walk stops at the
// chain's end, at an entry older than begin, or at a link that does not
// point to an older entry (corruption). Matches are by hash only: the
// caller compares the messages' keys.
func (f *File) Lookup(dst []int64, keyHash int32, begin, end int64, max int) ([]int64, error) {
	var buf [HeaderSize]byte
	if _, err := f.r.ReadAt(buf[:], 0); err != nil {
		return dst, err
	}
	h := DecodeHeader(buf[:])
	if h.IndexCount <= 1 || h.IndexCount > f.entries {
		return dst, nil
	}
	n, err := f.publishedSlot(buf[:], keyHash)
	if err != nil {
		return dst, err
	}
	for n > 0 && n < h.IndexCount && len(dst) < max {
		e, err := f.readEntry(buf[:], n)
		if err != nil {
			return dst, err
		}
		if e.TimeDiff < 0 {
			break
		}
		t := h.BeginTimestamp + int64(e.TimeDiff)*1000
		if e.KeyHash == keyHash && t >= begin && t <= end {
			dst = append(dst, e.PhyOffset)
		}
		if e.Prev <= 0 || e.Prev >= n || t < begin {
			break
		}
		n = e.Prev
	}
	return dst, nil
}

// publishedSlot reads keyHash's slot from the published table, or from the
// region when the file is not cached.
func (f *File) publishedSlot(buf []byte, keyHash int32) (int32, error) {
	if p := f.pub.Load(); p != nil {
		return atomic.LoadInt32(&(*p)[f.slotIndex(keyHash)]), nil
	}
	return f.readInt32(buf, f.slotPos(keyHash))
}
