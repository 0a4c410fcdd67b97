package mmapstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

const testSegSize = 64 << 10

func entry(i int) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint64(b, uint64(i)+1)
	binary.BigEndian.PutUint32(b[8:], uint32(i))
	return b
}

func openTestQueue(t testing.TB, dir string, cfg QueueConfig) *SegmentQueue {
	t.Helper()
	q, err := OpenSegmentQueue(dir, testSegSize, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func TestSegmentQueueAppendAcrossSegments(t *testing.T) {
	for _, cfg := range []QueueConfig{{}, {Prepare: true}, {WriteWithoutMmap: true}} {
		t.Run("prepare="+boolStr(cfg.Prepare)+",pwrite="+boolStr(cfg.WriteWithoutMmap), func(t *testing.T) {
			dir := t.TempDir()
			q := openTestQueue(t, dir, cfg)
			const n = 3 * testSegSize / 20 // 20-byte entries fill segments exactly? 65536/20 does not divide
			var offs []int64
			for i := range n {
				off, err := q.Append(entry(i))
				if err != nil {
					t.Fatal(err)
				}
				if off%testSegSize+20 > testSegSize {
					t.Fatalf("entry %d at %d crosses a segment end", i, off)
				}
				offs = append(offs, off)
			}
			if len(q.Segments()) != 4 {
				t.Fatalf("segments = %v", q.Segments())
			}
			if err := q.Flush(); err != nil || q.FlushedOffset() != q.WriteOffset() {
				t.Fatalf("flush: %v flushed=%d write=%d", err, q.FlushedOffset(), q.WriteOffset())
			}
			for i, off := range offs {
				v, err := q.View(off, 20)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(v.Bytes(), entry(i)) {
					t.Fatalf("entry %d differs", i)
				}
				v.Release()
			}
			if _, err := q.View(offs[0]+testSegSize-10, 20); !errors.Is(err, ErrCrossSegment) {
				t.Fatalf("cross-segment view: %v", err)
			}
			if _, err := q.View(q.WriteOffset(), 1); !errors.Is(err, ErrOffsetRange) {
				t.Fatalf("view past end: %v", err)
			}
			end := q.WriteOffset()
			if err := q.Close(); err != nil {
				t.Fatal(err)
			}
			names, _ := filepath.Glob(filepath.Join(dir, "0*"))
			if len(names) != 4 || filepath.Base(names[1]) != "00000000000000065536" {
				t.Fatalf("files = %v", names)
			}
			q2 := openTestQueue(t, dir, cfg)
			if err := q2.SetWriteOffset(end); err != nil {
				t.Fatal(err)
			}
			v, err := q2.View(offs[n-1], 20)
			if err != nil || !bytes.Equal(v.Bytes(), entry(n-1)) {
				t.Fatalf("after reopen: %v", err)
			}
			v.Release()
		})
	}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestSegmentQueueTruncate(t *testing.T) {
	dir := t.TempDir()
	q := openTestQueue(t, dir, QueueConfig{})
	for i := range 5000 {
		if _, err := q.Append(entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	cut := int64(testSegSize + 200)
	if err := q.Truncate(cut); err != nil {
		t.Fatal(err)
	}
	if q.WriteOffset() != cut || len(q.Segments()) != 2 {
		t.Fatalf("write=%d segs=%v", q.WriteOffset(), q.Segments())
	}
	seg := q.find(cut)
	if !bytes.Equal(seg.data[200:400], make([]byte, 200)) {
		t.Fatal("bytes after the cut were not zeroed")
	}
	off, err := q.Append(entry(7))
	if err != nil || off != cut {
		t.Fatalf("append after truncate at %d: %v", off, err)
	}
}

func TestSegmentQueueDeleteBeforeWaitsForReaders(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	unmapped := map[int64]bool{}
	q := openTestQueue(t, dir, QueueConfig{}.withUnmapHook(func(s int64) { mu.Lock(); unmapped[s] = true; mu.Unlock() }))
	for i := range 10000 { // about 3 segments
		if _, err := q.Append(entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	v, err := q.View(40, 20)
	if err != nil {
		t.Fatal(err)
	}
	n, err := q.DeleteBefore(2 * testSegSize)
	if err != nil || n != 2 {
		t.Fatalf("deleted %d: %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, segmentName(0))); !os.IsNotExist(err) {
		t.Fatalf("file of deleted segment still there: %v", err)
	}
	mu.Lock()
	if unmapped[0] || !unmapped[testSegSize] {
		t.Fatalf("unmapped = %v: want segment 0 kept for the reader, segment 1 gone", unmapped)
	}
	mu.Unlock()
	if !bytes.Equal(v.Bytes(), entry(2)) {
		t.Fatal("held view changed")
	}
	v.Release()
	mu.Lock()
	defer mu.Unlock()
	if !unmapped[0] {
		t.Fatal("segment not unmapped after the last reader released it")
	}
	if _, err := q.View(40, 20); !errors.Is(err, ErrOffsetRange) {
		t.Fatalf("view of deleted range: %v", err)
	}
	if q.MinOffset() != 2*testSegSize {
		t.Fatalf("min offset %d", q.MinOffset())
	}
}

func TestSegmentQueueRejectsWrongSizedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, segmentName(0)), []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSegmentQueue(dir, testSegSize); !errors.Is(err, ErrSegmentSize) {
		t.Fatalf("err = %v", err)
	}
}

func TestSegmentQueueRocketMQConsumeQueueSize(t *testing.T) {
	// 300,000 entries of 20 bytes: not a multiple of the page size.
	const size = 6_000_000
	q, err := OpenSegmentQueue(t.TempDir(), size, QueueConfig{Prepare: true})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.SetWriteOffset(size - 40); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		off, err := q.Append(entry(i))
		if err != nil || off != size-40+int64(i)*20 {
			t.Fatalf("append %d at %d: %v", i, off, err)
		}
	}
	v, err := q.View(size+20, 20)
	if err != nil || !bytes.Equal(v.Bytes(), entry(3)) {
		t.Fatalf("entry in second segment: %v", err)
	}
	v.Release()
	if got := q.Segments(); len(got) != 2 || got[1] != size {
		t.Fatalf("segments %v", got)
	}
}

func TestSegmentQueueDeletesInterruptedPreparation(t *testing.T) {
	dir := t.TempDir()
	q := openTestQueue(t, dir, QueueConfig{})
	if _, err := q.Append(entry(1)); err != nil {
		t.Fatal(err)
	}
	end := q.WriteOffset()
	q.Close()
	// A crash while the next segment was being zero-filled leaves a short
	// file under the temporary name.
	tmp := filepath.Join(dir, segmentName(testSegSize)+prepSuffix)
	if err := os.WriteFile(tmp, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	q2 := openTestQueue(t, dir, QueueConfig{})
	if err := q2.SetWriteOffset(end); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("leftover preparation not deleted: %v", err)
	}
	if got := q2.Segments(); len(got) != 1 {
		t.Fatalf("segments %v", got)
	}
}

// Segments deleted before they were ever synced must not stop later
// flushes: Flush used to restart from its flushed offset, inside a deleted
// segment, and fail with ErrOffsetRange for good.
func TestSegmentQueueFlushAfterDeletingUnflushedSegments(t *testing.T) {
	q := openTestQueue(t, t.TempDir(), QueueConfig{})
	for i := range 10000 { // about 3 segments, none synced
		if _, err := q.Append(entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	if q.FlushedOffset() != 0 {
		t.Fatalf("flushed offset %d before any flush", q.FlushedOffset())
	}
	if n, err := q.DeleteBefore(2 * testSegSize); err != nil || n != 2 {
		t.Fatalf("deleted %d: %v", n, err)
	}
	if err := q.Flush(); err != nil {
		t.Fatalf("flush after deleting unflushed segments: %v", err)
	}
	if q.FlushedOffset() != q.WriteOffset() {
		t.Fatalf("flushed %d, written %d", q.FlushedOffset(), q.WriteOffset())
	}
	if _, err := q.Append(entry(10000)); err != nil {
		t.Fatal(err)
	}
	if err := q.Flush(); err != nil || q.FlushedOffset() != q.WriteOffset() {
		t.Fatalf("second flush: %v, flushed %d, written %d", err, q.FlushedOffset(), q.WriteOffset())
	}
	if err := q.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// A failed sync is sticky for a SegmentQueue too (consume queues): a later
// sync that succeeds may not have written the pages the failed one lost,
// so Flush keeps failing and FlushedOffset stays where it was.
func TestSegmentQueueFailedSyncIsSticky(t *testing.T) {
	var f faults
	q := openTestQueue(t, t.TempDir(), QueueConfig{}.withOps(f.ops()))
	if _, err := q.Append(entry(0)); err != nil {
		t.Fatal(err)
	}
	if err := q.Flush(); err != nil {
		t.Fatal(err)
	}
	synced := q.FlushedOffset()
	if _, err := q.Append(entry(1)); err != nil {
		t.Fatal(err)
	}
	f.set(func(f *faults) { f.syncErr = syscall.EIO })
	first := q.Flush()
	if !errors.Is(first, syscall.EIO) {
		t.Fatalf("flush with failing sync: %v", first)
	}
	f.set(func(f *faults) { f.syncErr = nil })
	if err := q.Flush(); err != first {
		t.Fatalf("flush after a failed sync: %v, want the sticky %v", err, first)
	}
	if q.FlushedOffset() != synced {
		t.Fatalf("flushed offset moved from %d to %d past a failed sync", synced, q.FlushedOffset())
	}
}
