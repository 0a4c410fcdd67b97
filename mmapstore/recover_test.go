package mmapstore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// writeLog appends n messages, closes the log cleanly and returns them.
func writeLog(t *testing.T, cfg Config, n int) []protocol.StoredMessage {
	t.Helper()
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]protocol.StoredMessage, n)
	for i := range msgs {
		msgs[i] = testMessage(i, 300)
		if err := l.Append(&msgs[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return msgs
}

// damage overwrites bytes at a commit-log offset in the segment file.
func damage(t *testing.T, cfg Config, off int64, p []byte) {
	t.Helper()
	seg := off - off%cfg.MappedFileSizeCommitLog
	f, err := os.OpenFile(filepath.Join(cfg.StorePathRootDir, "commitlog", segmentName(seg)), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(p, off-seg); err != nil {
		t.Fatal(err)
	}
}

func end(m *protocol.StoredMessage) int64 { return m.PhysicalOffset + int64(m.TotalSize) }

func TestRecoverTruncatesTornTail(t *testing.T) {
	f := func(name string, tear func(t *testing.T, cfg Config, last *protocol.StoredMessage)) {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, SyncFlush)
			msgs := writeLog(t, cfg, 50)
			last := &msgs[len(msgs)-1]
			tear(t, cfg, last)
			l := openTestLog(t, cfg)
			rep := l.Recovery()
			if rep.TornAt != last.PhysicalOffset || rep.End != last.PhysicalOffset || l.MaxOffset() != last.PhysicalOffset {
				t.Fatalf("report %+v, max %d; want torn at and end %d", rep, l.MaxOffset(), last.PhysicalOffset)
			}
			for i := range msgs[:len(msgs)-1] {
				checkStored(t, l, &msgs[i])
			}
			if n := scanAll(t, l, 0); n != len(msgs)-1 {
				t.Fatalf("scanned %d", n)
			}
			// The log goes on from the truncation point, and a second
			// reopen finds a clean log.
			m := testMessage(99, 300)
			if err := l.Append(&m, NewWaiterDone(t)); err != nil || m.PhysicalOffset != last.PhysicalOffset {
				t.Fatalf("append after recovery at %d: %v", m.PhysicalOffset, err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l2 := openTestLog(t, cfg)
			if rep := l2.Recovery(); rep.TornAt != -1 || rep.End != end(&m) {
				t.Fatalf("second recovery %+v", rep)
			}
			checkStored(t, l2, &m)
		})
	}
	f("truncated-record", func(t *testing.T, cfg Config, last *protocol.StoredMessage) {
		damage(t, cfg, last.PhysicalOffset+100, make([]byte, last.TotalSize-100)) // tail never reached the disk
	})
	f("garbage-tail", func(t *testing.T, cfg Config, last *protocol.StoredMessage) {
		damage(t, cfg, last.PhysicalOffset+20, bytes.Repeat([]byte{0x5A}, 4000))
	})
	f("header-only", func(t *testing.T, cfg Config, last *protocol.StoredMessage) {
		damage(t, cfg, last.PhysicalOffset+8, make([]byte, last.TotalSize-8))
	})
}

// NewWaiterDone returns a completion that fails the test on error.
func NewWaiterDone(t *testing.T) Done {
	return func(err error) {
		if err != nil {
			t.Errorf("append completed with %v", err)
		}
	}
}

func TestRecoverReportsCorruptionFollowedByValidRecords(t *testing.T) {
	cfg := testConfig(t, SyncFlush)
	msgs := writeLog(t, cfg, 50)
	bad := &msgs[20]
	damage(t, cfg, bad.PhysicalOffset+200, []byte{^bad.Body[100]}) // one flipped body byte
	_, err := Open(cfg)
	var ce *CorruptionError
	if !errors.As(err, &ce) {
		t.Fatalf("Open = %v, want *CorruptionError", err)
	}
	if ce.Offset != bad.PhysicalOffset || ce.NextValid != msgs[21].PhysicalOffset || ce.Reason != "body CRC" {
		t.Fatalf("corruption %+v, want offset %d next %d", ce, bad.PhysicalOffset, msgs[21].PhysicalOffset)
	}
	// Nothing was truncated: the valid records after it are still on disk.
	damage(t, cfg, bad.PhysicalOffset+200, []byte{bad.Body[100]})
	l := openTestLog(t, cfg)
	for i := range msgs {
		checkStored(t, l, &msgs[i])
	}
}

func TestRecoverDropsOutOfOrderUnsyncedWrites(t *testing.T) {
	// Records past the checkpoint's flushed offset were never confirmed
	// durable; after power loss their pages can land out of order. A hole
	// there is a torn tail, and what follows it is dropped and reported.
	cfg := testConfig(t, AsyncFlush)
	msgs := writeLog(t, cfg, 50)
	ckp, err := openCheckpoint(osFileOps(), filepath.Join(cfg.StorePathRootDir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	ckp.masterFlushedOffset.Store(msgs[10].PhysicalOffset)
	if err := ckp.Flush(); err != nil {
		t.Fatal(err)
	}
	ckp.close()
	damage(t, cfg, msgs[30].PhysicalOffset, make([]byte, msgs[30].TotalSize))
	l := openTestLog(t, cfg)
	rep := l.Recovery()
	if rep.End != msgs[30].PhysicalOffset || rep.DiscardedFrom != msgs[31].PhysicalOffset {
		t.Fatalf("report %+v", rep)
	}
}

func TestRecoverAfterCrashWithoutCheckpoint(t *testing.T) {
	cfg := testConfig(t, SyncFlush)
	msgs := writeLog(t, cfg, 3000) // several segments
	if err := os.Remove(filepath.Join(cfg.StorePathRootDir, "checkpoint")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.StorePathRootDir, "abort"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := openTestLog(t, cfg)
	rep := l.Recovery()
	if rep.CleanShutdown || rep.ScanFrom != 0 || rep.Records != len(msgs) || rep.End != end(&msgs[len(msgs)-1]) {
		t.Fatalf("report %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(cfg.StorePathRootDir, "abort")); err != nil {
		t.Fatalf("abort marker missing while open: %v", err)
	}
	l.Close()
	if _, err := os.Stat(filepath.Join(cfg.StorePathRootDir, "abort")); !os.IsNotExist(err) {
		t.Fatalf("abort marker left after a clean close: %v", err)
	}
}

// copyStore copies a store directory as a crash would leave it: the files
// of a log that is still open, with whatever its page cache holds.
func copyStore(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
	return to
}

// When recovery truncates below the checkpoint's flushed offset (the disk
// lost synced data), the checkpoint must come down to the recovered end at
// once: records appended there afterwards are not yet synced, and a crash
// that tears them must read as a torn tail, not as damaged durable data
// that stops the next Open.
func TestRecoverLowersCheckpointBelowLostData(t *testing.T) {
	cfg := testConfig(t, AsyncFlush)
	cfg.FlushIntervalCommitLog = time.Hour
	cfg.CheckpointInterval = time.Hour
	msgs := writeLog(t, cfg, 50) // clean close: checkpoint = end of msgs[49]
	damage(t, cfg, msgs[40].PhysicalOffset, make([]byte, end(&msgs[49])-msgs[40].PhysicalOffset))
	l := openTestLog(t, cfg)
	if rep := l.Recovery(); rep.End != msgs[40].PhysicalOffset || rep.CheckpointFlushed != end(&msgs[49]) {
		t.Fatalf("report %+v", rep)
	}
	more := make([]protocol.StoredMessage, 20)
	for i := range more {
		more[i] = testMessage(100+i, 300)
		if err := l.Append(&more[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	// Crash now; the pages of more[5] never reached the disk.
	crashed := cfg
	crashed.StorePathRootDir = copyStore(t, cfg.StorePathRootDir)
	crashed.StorePathCommitLog = ""
	damage(t, crashed, more[5].PhysicalOffset, make([]byte, more[5].TotalSize))
	l2, err := Open(crashed)
	if err != nil {
		t.Fatalf("reopen after a crash tore unsynced records: %v", err)
	}
	defer l2.Close()
	if rep := l2.Recovery(); rep.End != more[5].PhysicalOffset || rep.DiscardedFrom != more[6].PhysicalOffset {
		t.Fatalf("report %+v", rep)
	}
}

// A segment the preparer created past the end that recovery then cut back
// to is left behind a gap if the process dies before the preparer replaces
// it. It holds nothing, so Open deletes it instead of failing with
// ErrSegmentGap for good; a gap before a segment with data still fails.
func TestOpenDeletesUnusedPreparedSegmentAfterGap(t *testing.T) {
	cfg := testConfig(t, SyncFlush)
	msgs := writeLog(t, cfg, 50) // all in segment 0
	dir := filepath.Join(cfg.StorePathRootDir, "commitlog")
	stray := filepath.Join(dir, segmentName(3*cfg.MappedFileSizeCommitLog))
	if err := os.WriteFile(stray, make([]byte, cfg.MappedFileSizeCommitLog), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open with an unused prepared segment after a gap: %v", err)
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Fatalf("stray segment still there: %v", err)
	}
	checkStored(t, l, &msgs[49])
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	used := make([]byte, cfg.MappedFileSizeCommitLog)
	used[3] = 91 // a record's TOTALSIZE: this segment was written
	if err := os.WriteFile(stray, used, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(cfg); !errors.Is(err, ErrSegmentGap) {
		t.Fatalf("Open with a written segment after a gap: %v, want ErrSegmentGap", err)
	}
}

// When recovery finds no record in the segments it scans (here the last
// segment's records were all lost), the checkpoint keeps a store time
// instead of being rewritten with 0, which would make the next abnormal
// recovery of the consume queues re-dispatch the whole log.
func TestRecoverWithoutRecordsKeepsCheckpointTime(t *testing.T) {
	cfg := testConfig(t, SyncFlush)
	msgs := writeLog(t, cfg, 4000) // into the second segment
	first := -1
	for i := range msgs {
		if msgs[i].PhysicalOffset >= cfg.MappedFileSizeCommitLog {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatal("the log did not roll over")
	}
	damage(t, cfg, msgs[first].PhysicalOffset, make([]byte, end(&msgs[len(msgs)-1])-msgs[first].PhysicalOffset))
	l := openTestLog(t, cfg)
	if rep := l.Recovery(); rep.End != cfg.MappedFileSizeCommitLog || rep.Records != 0 {
		t.Fatalf("report %+v", rep)
	}
	if got := l.Checkpoint().PhysicMsgTimestamp(); got == 0 {
		t.Fatal("checkpoint store time reset to 0")
	}
}

// Power loss under async flush: the checkpoint lags (its flushed offset is
// in the first segment) and the page cache reached the disk page by page,
// out of order, so a page in the middle of the second segment is missing
// while later pages and the third segment are there. Recovery keeps every
// record before the hole, drops the rest (reported, not corruption), zeroes
// the dropped bytes and deletes the later segment, and the log goes on.
func TestRecoverAsyncPowerLossAcrossSegments(t *testing.T) {
	cfg := testConfig(t, AsyncFlush)
	msgs := writeLog(t, cfg, 6000) // about 2.4 segments of 1 MiB
	seg := cfg.MappedFileSizeCommitLog
	if last := msgs[len(msgs)-1].PhysicalOffset; last < 2*seg {
		t.Fatalf("log ends at %d, want 3 segments", last)
	}
	ckp, err := openCheckpoint(osFileOps(), filepath.Join(cfg.StorePathRootDir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	ckp.masterFlushedOffset.Store(end(&msgs[10]))
	if err := ckp.Flush(); err != nil {
		t.Fatal(err)
	}
	ckp.close()
	if err := os.WriteFile(filepath.Join(cfg.StorePathRootDir, "abort"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	hole := seg + seg/2 - (seg+seg/2)%pageSize // a page in the middle of segment 1
	damage(t, cfg, hole, make([]byte, pageSize))
	firstLost := -1
	for i := range msgs {
		if end(&msgs[i]) > hole {
			firstLost = i
			break
		}
	}
	l := openTestLog(t, cfg)
	rep := l.Recovery()
	if rep.CleanShutdown || rep.End != msgs[firstLost].PhysicalOffset || rep.DiscardedFrom <= rep.End || rep.TornAt != -1 {
		t.Fatalf("report %+v, want end %d and records dropped after it", rep, msgs[firstLost].PhysicalOffset)
	}
	for i := range msgs[:firstLost] {
		checkStored(t, l, &msgs[i])
	}
	if segs := l.q.Segments(); len(segs) != 2 {
		t.Fatalf("segments %v after recovery, want the third one deleted", segs)
	}
	m := testMessage(9999, 300)
	if err := l.Append(&m, nil); err != nil || m.PhysicalOffset != rep.End {
		t.Fatalf("append after recovery at %d: %v", m.PhysicalOffset, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openTestLog(t, cfg)
	if rep := l2.Recovery(); rep.End != end(&m) || rep.DiscardedFrom != -1 || rep.TornAt != -1 {
		t.Fatalf("second recovery %+v: dropped bytes were not zeroed", rep)
	}
	checkStored(t, l2, &m)
}
