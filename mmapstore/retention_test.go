package mmapstore

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

func TestRetentionDeletesOnlyExpiredSegmentsAndWaitsForReaders(t *testing.T) {
	now := time.Date(2026, 11, 21, 4, 30, 0, 0, time.Local) // inside deleteWhen "04"
	var mu sync.Mutex
	unmapped := map[int64]bool{}
	usage := 10
	cfg := testConfig(t, AsyncFlush).
		withClock(func() time.Time { return now }).
		withDiskUsage(func(string) (int, error) { return usage, nil }).
		withUnmapHook(func(s int64) { mu.Lock(); unmapped[s] = true; mu.Unlock() })
	l := openTestLog(t, cfg)
	var first protocol.StoredMessage
	for i := range 3000 { // about 5 segments
		m := testMessage(i, 1500)
		if err := l.Append(&m, nil); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = m
		}
	}
	segs := l.q.Segments()
	if len(segs) < 5 {
		t.Fatalf("segments %v", segs)
	}
	// Segments 0 and 1 are 73 h old, 2 is 71 h old, the rest new.
	age := func(start int64, d time.Duration) {
		p := filepath.Join(cfg.StorePathRootDir, "commitlog", segmentName(start))
		if err := os.Chtimes(p, now.Add(-d), now.Add(-d)); err != nil {
			t.Fatal(err)
		}
	}
	age(segs[0], 73*time.Hour)
	age(segs[1], 73*time.Hour)
	age(segs[2], 71*time.Hour)
	age(segs[3], 80*time.Hour) // expired but behind a kept one: no holes

	reader, err := l.Read(first.PhysicalOffset) // a pull still holds segment 0
	if err != nil {
		t.Fatal(err)
	}
	n, err := l.DeleteExpired()
	if err != nil || n != 2 {
		t.Fatalf("deleted %d segments (%v), want 2", n, err)
	}
	if l.MinOffset() != segs[2] {
		t.Fatalf("min offset %d, want %d", l.MinOffset(), segs[2])
	}
	if _, err := os.Stat(filepath.Join(cfg.StorePathRootDir, "commitlog", segmentName(segs[0]))); !os.IsNotExist(err) {
		t.Fatal("expired segment file still present")
	}
	mu.Lock()
	if unmapped[segs[0]] || !unmapped[segs[1]] {
		t.Fatalf("unmapped %v: segment 0 must stay mapped for its reader, segment 1 must be gone", unmapped)
	}
	mu.Unlock()
	var d protocol.StoredMessage
	if err := protocol.DecodeStoredMessage(reader.Bytes(), &d); err != nil || string(d.Body) != string(first.Body) {
		t.Fatalf("held record unreadable after deletion: %v", err)
	}
	reader.Release()
	mu.Lock()
	if !unmapped[segs[0]] {
		t.Fatal("segment not unmapped after its reader released it")
	}
	mu.Unlock()
	if _, err := l.Read(first.PhysicalOffset); err == nil {
		t.Fatal("read of a deleted offset succeeded")
	}

	// Outside deleteWhen and below the usage ratios nothing is deleted.
	now = now.Add(3 * time.Hour)
	age(segs[2], 100*time.Hour)
	if n, _ := l.DeleteExpired(); n != 0 {
		t.Fatalf("deleted %d outside deleteWhen", n)
	}
	// Past diskSpaceCleanForciblyRatio even unexpired segments go, oldest
	// first, never the one being written.
	usage = 90
	n, err = l.DeleteExpired()
	if err != nil || l.MinOffset() != segs[len(segs)-1] || n != len(segs)-3 {
		t.Fatalf("forced clean deleted %d (%v), min %d, want only the last segment left", n, err, l.MinOffset())
	}
	m := testMessage(5000, 100)
	if err := l.Append(&m, nil); err != nil {
		t.Fatal(err)
	}
	checkStored(t, l, &m)
}

// Forced retention (disk nearly full) can delete segments the async flusher
// has not synced yet. The next flush must go on from the oldest segment
// left instead of failing, which made the error sticky and stopped every
// later append.
func TestRetentionOfUnflushedSegmentsKeepsLogWritable(t *testing.T) {
	cfg := testConfig(t, AsyncFlush).withDiskUsage(func(string) (int, error) { return 90, nil })
	cfg.FlushIntervalCommitLog = time.Hour // nothing is synced behind the test's back
	cfg.CleanResourceInterval = time.Hour
	l := openTestLog(t, cfg)
	for i := range 3000 { // about 5 segments, none synced
		m := testMessage(i, 1500)
		if err := l.Append(&m, nil); err != nil {
			t.Fatal(err)
		}
	}
	if l.FlushedOffset() != 0 {
		t.Fatalf("flushed offset %d before any flush", l.FlushedOffset())
	}
	if n, err := l.DeleteExpired(); err != nil || n == 0 {
		t.Fatalf("forced clean deleted %d: %v", n, err)
	}
	if err := l.Flush(); err != nil {
		t.Fatalf("flush after deleting unsynced segments: %v", err)
	}
	if l.FlushedOffset() != l.MaxOffset() {
		t.Fatalf("flushed %d of %d", l.FlushedOffset(), l.MaxOffset())
	}
	m := testMessage(5000, 100)
	if err := l.Append(&m, nil); err != nil {
		t.Fatalf("append after retention and flush: %v", err)
	}
	checkStored(t, l, &m)
}
