package index

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestFreshQueueStartingMidSegmentGetsFillers covers RocketMQ's
// fillPreBlank: the first entry of an empty queue at cqIndex 1500 (with
// 1024-entry segments) lands at byte 1500*20 of a segment that starts at
// entry 1024, preceded by filler entries; the queue's min offset is 1500
// and stays so after recovery.
func TestFreshQueueStartingMidSegmentGetsFillers(t *testing.T) {
	dir := t.TempDir()
	q, err := openConsumeQueue(dir, "T", 0, 20480, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	grew, err := q.put(Entry{PhyOffset: 5000, Size: 100, TagsCode: 9}, 1500)
	if err != nil || !grew {
		t.Fatalf("put: %v %v", grew, err)
	}
	if q.MinOffset() != 1500 || q.MaxOffset() != 1501 {
		t.Fatalf("min %d max %d, want 1500 1501", q.MinOffset(), q.MaxOffset())
	}
	if got := q.segs.Segments(); len(got) != 1 || got[0] != 1024*EntrySize {
		t.Fatalf("segments %v, want one starting at entry 1024", got)
	}
	v, err := q.segs.View(1024*EntrySize, EntrySize)
	if err != nil {
		t.Fatal(err)
	}
	if e := decodeEntry(v.Bytes()); !e.Filler() {
		t.Fatalf("entry 1024 = %+v, want a filler", e)
	}
	v.Release()
	q.close()
	q2, err := openConsumeQueue(dir, "T", 0, 20480, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer q2.close()
	if err := q2.recover(0, 1<<20); err != nil {
		t.Fatal(err)
	}
	if q2.MinOffset() != 1500 || q2.MaxOffset() != 1501 {
		t.Fatalf("after recovery min %d max %d, want 1500 1501", q2.MinOffset(), q2.MaxOffset())
	}
	if e, err := q2.Entry(1500); err != nil || e != (Entry{5000, 100, 9}) {
		t.Fatalf("entry 1500 = %+v, %v", e, err)
	}
}

func TestPutIgnoresRedispatchedRecords(t *testing.T) {
	q, err := openConsumeQueue(t.TempDir(), "T", 0, 20480, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer q.close()
	for i := range int64(3) {
		if grew, err := q.put(Entry{PhyOffset: i * 100, Size: 100}, i); !grew || err != nil {
			t.Fatalf("put %d: %v %v", i, grew, err)
		}
	}
	for i := range int64(3) {
		if grew, err := q.put(Entry{PhyOffset: i * 100, Size: 100}, i); grew || err != nil {
			t.Fatalf("re-put %d grew the queue (%v)", i, err)
		}
	}
	if q.MaxOffset() != 3 {
		t.Fatalf("max %d", q.MaxOffset())
	}
}

func TestOpenRefusesIndexFileOfOtherShape(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	os.MkdirAll(filepath.Join(dir, "index"), 0o755)
	os.WriteFile(filepath.Join(dir, "index", "20260101000000000"), make([]byte, 1000), 0o644)
	if _, err := Open(testConfig(dir, l)); !errors.Is(err, errIndexShape) {
		t.Fatalf("Open with a 1000-byte index file: %v", err)
	}
}
