package mmapstore

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAsyncFlushWritesBackOnInterval(t *testing.T) {
	cfg := testConfig(t, AsyncFlush)
	cfg.FlushIntervalCommitLog = 5 * time.Millisecond
	l := openTestLog(t, cfg)
	m := testMessage(0, 20000) // more than flushCommitLogLeastPages (4 pages)
	if err := l.Append(&m, nil); err != nil {
		t.Fatal(err)
	}
	if l.ConfirmedOffset() != l.MaxOffset() {
		t.Fatal("async flush: confirmed offset is not the written offset")
	}
	select {
	case <-l.ConfirmedSignal():
	default:
		t.Fatal("no confirmed signal after an append")
	}
	waitFor(t, "the async flusher", func() bool { return l.FlushedOffset() == l.MaxOffset() })
}

func TestShouldFlushPageThreshold(t *testing.T) {
	const seg, least = 1 << 20, 4 * pageSize
	f := func(written, flushed int64, thorough, want bool) {
		t.Helper()
		if got := shouldFlush(written, flushed, seg, least, thorough); got != want {
			t.Fatalf("shouldFlush(%d, %d, thorough=%v) = %v", written, flushed, thorough, got)
		}
	}
	f(100, 100, true, false)          // nothing dirty
	f(100+least-1, 100, false, false) // below flushCommitLogLeastPages
	f(100+least, 100, false, true)
	f(110, 100, true, true)        // thorough interval
	f(seg+10, seg-10, false, true) // a segment filled up
}

func TestGroupCommitCompletesConcurrentAppenders(t *testing.T) {
	l := openTestLog(t, testConfig(t, SyncFlush))
	const goroutines, each = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := NewWaiter()
			for i := range each {
				m := testMessage(g*each+i, 200)
				if err := l.Append(&m, w.Done()); err != nil {
					errs <- err
					return
				}
				if err := w.Wait(); err != nil {
					errs <- err
					return
				}
				if l.FlushedOffset() < m.PhysicalOffset+int64(m.TotalSize) || l.ConfirmedOffset() < m.PhysicalOffset+int64(m.TotalSize) {
					errs <- os.ErrInvalid
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st := l.Stats()
	if st.GroupCommitted != goroutines*each || st.GroupCommits == 0 || st.GroupCommits > st.GroupCommitted {
		t.Fatalf("stats %+v", st)
	}
}

func TestCheckpointFileLayout(t *testing.T) {
	cfg := testConfig(t, SyncFlush)
	l := openTestLog(t, cfg)
	m := testMessage(0, 100)
	w := NewWaiter()
	if err := l.Append(&m, w.Done()); err != nil || w.Wait() != nil {
		t.Fatal("append failed")
	}
	l.Checkpoint().SetLogicsMsgTimestamp(111)
	l.Checkpoint().SetIndexMsgTimestamp(222)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(cfg.StorePathRootDir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	end := m.PhysicalOffset + int64(m.TotalSize)
	if len(b) != 4096 || int64(be.Uint64(b[0:])) != m.StoreTimestamp || be.Uint64(b[8:]) != 111 ||
		be.Uint64(b[16:]) != 222 || int64(be.Uint64(b[24:])) != end || int64(be.Uint64(b[32:])) != end {
		t.Fatalf("checkpoint bytes %x (len %d), want physic=%d logics=111 index=222 flushed=confirm=%d", b[:40], len(b), m.StoreTimestamp, end)
	}
}
