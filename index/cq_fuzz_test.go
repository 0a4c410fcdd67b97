package index

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzConsumeQueueRecover writes arbitrary bytes as the one segment of a
// consume queue on disk and recovers it against a log end. Invariants:
// min <= max; the write offset is max*20; every kept entry is valid (or a
// filler) and ends at or before the log end; recovering again changes
// nothing; and an append after recovery lands at max.
func FuzzConsumeQueueRecover(f *testing.F) {
	const seg = 20480
	var good []byte
	good = AppendEntry(good, Entry{PhyOffset: 0, Size: 100, TagsCode: 1})
	good = AppendEntry(good, Entry{PhyOffset: 100, Size: 100})
	good = AppendEntry(good, Entry{PhyOffset: 200, Size: 100})
	f.Add(good, int64(0), int64(300))
	f.Add(good, int64(150), int64(250))
	f.Add(append(AppendEntry(nil, fillerEntry), good...), int64(0), int64(1<<40))
	f.Add([]byte{}, int64(0), int64(0))
	f.Add([]byte{0xFF, 0xFF, 0xFF}, int64(-5), int64(-1))
	f.Fuzz(func(t *testing.T, data []byte, logMin, logEnd int64) {
		dir := t.TempDir()
		seg0 := make([]byte, seg)
		copy(seg0, data)
		if err := os.WriteFile(filepath.Join(dir, "00000000000000000000"), seg0, 0o644); err != nil {
			t.Fatal(err)
		}
		q, err := openConsumeQueue(dir, "T", 0, seg, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer q.close()
		if err := q.recover(logMin, logEnd); err != nil {
			t.Fatalf("recover: %v", err)
		}
		min, max := q.MinOffset(), q.MaxOffset()
		if min < 0 || min > max || q.segs.WriteOffset() != max*EntrySize {
			t.Fatalf("min %d max %d write offset %d", min, max, q.segs.WriteOffset())
		}
		for i := range max {
			e, err := DecodeEntry(seg0[i*EntrySize:])
			if err != nil {
				t.Fatal(err)
			}
			if !e.Filler() && (!e.Valid() || e.End() > logEnd) {
				t.Fatalf("kept entry %d = %+v with log end %d", i, e, logEnd)
			}
		}
		if err := q.recover(logMin, logEnd); err != nil || q.MaxOffset() != max || q.MinOffset() != min {
			t.Fatalf("second recover moved [%d,%d) to [%d,%d): %v", min, max, q.MinOffset(), q.MaxOffset(), err)
		}
		if logEnd < 1<<40 {
			grew, err := q.put(Entry{PhyOffset: 1 << 40, Size: 10}, max)
			if err != nil || !grew || q.MaxOffset() != max+1 {
				t.Fatalf("append after recovery: grew %v max %d, %v", grew, q.MaxOffset(), err)
			}
		}
	})
}
