package mmapstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// faults is the faulty implementation of the file-operation seam: it
// passes every call to the OS implementation unless told to fail it.
type faults struct {
	mu        sync.Mutex
	writeErr  error         // returned by writeAt while set
	syncErr   error         // returned by sync while set
	allocErr  error         // returned by allocate while set
	syncBlock chan struct{} // sync waits for it to close while set
}

func (f *faults) set(fn func(f *faults)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *faults) ops() *fileOps {
	base := osFileOps()
	ops := *base
	ops.writeAt = func(file *os.File, p []byte, off int64) (int, error) {
		f.mu.Lock()
		err := f.writeErr
		f.mu.Unlock()
		if err != nil {
			return 0, err
		}
		return base.writeAt(file, p, off)
	}
	ops.allocate = func(file *os.File, size int64) error {
		f.mu.Lock()
		err := f.allocErr
		f.mu.Unlock()
		if err != nil {
			return err
		}
		return base.allocate(file, size)
	}
	ops.sync = func(file *os.File) error {
		f.mu.Lock()
		err, block := f.syncErr, f.syncBlock
		f.mu.Unlock()
		if block != nil {
			<-block
		}
		if err != nil {
			return err
		}
		return base.sync(file)
	}
	return &ops
}

func TestCommitLogFailedSyncIsSticky(t *testing.T) {
	var f faults
	l := openTestLog(t, testConfig(t, SyncFlush).withOps(f.ops()))
	w := NewWaiter()
	m := testMessage(0, 100)
	if err := l.Append(&m, w.Done()); err != nil || w.Wait() != nil {
		t.Fatal("first append failed")
	}
	f.set(func(f *faults) { f.syncErr = syscall.EIO })
	m = testMessage(1, 100)
	if err := l.Append(&m, w.Done()); err != nil {
		t.Fatal(err)
	}
	got := w.Wait()
	if !errors.Is(got, syscall.EIO) {
		t.Fatalf("completion error %v, want EIO", got)
	}
	f.set(func(f *faults) { f.syncErr = nil })
	m = testMessage(2, 100)
	if err := l.Append(&m, w.Done()); !errors.Is(err, syscall.EIO) || err != got {
		t.Fatalf("append after failed sync: %v, want the same sticky error", err)
	}
	if !errors.Is(l.Err(), syscall.EIO) {
		t.Fatalf("Err() = %v", l.Err())
	}
}

func TestCommitLogFailedWriteIsSticky(t *testing.T) {
	var f faults
	cfg := testConfig(t, AsyncFlush)
	l := openTestLog(t, cfg.withOps(f.ops()))
	m := testMessage(0, 100)
	if err := l.Append(&m, nil); err != nil {
		t.Fatal(err)
	}
	end := l.MaxOffset()
	f.set(func(f *faults) { f.writeErr = syscall.EIO })
	m = testMessage(1, 100)
	err := l.Append(&m, nil)
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("append with failing write: %v", err)
	}
	var ioErr *IOError
	if !errors.As(err, &ioErr) || ioErr.Op != "write" {
		t.Fatalf("error %v is not an IOError for write", err)
	}
	if l.MaxOffset() != end {
		t.Fatal("failed write advanced the write offset")
	}
	f.set(func(f *faults) { f.writeErr = nil })
	if err2 := l.Append(&m, nil); err2 != err {
		t.Fatalf("append after failed write: %v, want sticky %v", err2, err)
	}
}

func TestCommitLogFullDiskIsSticky(t *testing.T) {
	f := func(name string, flush FlushDiskType, mmap bool, fail func(*faults)) {
		t.Run(name, func(t *testing.T) {
			var fs faults
			cfg := testConfig(t, flush)
			cfg.WriteWithMmap = mmap
			l := openTestLog(t, cfg.withOps(fs.ops()))
			m := testMessage(0, 100)
			if err := l.Append(&m, nil); err != nil { // the first segment exists
				t.Fatal(err)
			}
			fs.set(fail)
			var err error
			for i := 0; i < 1000 && err == nil; i++ { // a few segments' worth
				m := testMessage(i, 4000)
				err = l.Append(&m, nil)
			}
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("appending on a full disk: %v", err)
			}
			fs.set(func(f *faults) { f.writeErr, f.allocErr = nil, nil })
			m = testMessage(0, 10)
			if err2 := l.Append(&m, nil); err2 != err {
				t.Fatalf("not sticky: %v, want %v", err2, err)
			}
		})
	}
	// pwrite of a record fails.
	f("record-pwrite", AsyncFlush, false, func(f *faults) { f.writeErr = syscall.ENOSPC })
	// The next segment cannot be allocated (async flush, fallocate).
	f("allocate-at-roll", AsyncFlush, false, func(f *faults) { f.allocErr = syscall.ENOSPC })
	// The next segment cannot be zero-filled (mapped writes).
	f("zero-fill-at-roll", AsyncFlush, true, func(f *faults) { f.writeErr = syscall.ENOSPC })
}

func TestCommitLogSyncTimeout(t *testing.T) {
	var f faults
	cfg := testConfig(t, SyncFlush)
	cfg.SyncFlushTimeout = 50 * time.Millisecond
	l := openTestLog(t, cfg.withOps(f.ops()))
	w := NewWaiter()
	m := testMessage(0, 100)
	if err := l.Append(&m, w.Done()); err != nil || w.Wait() != nil { // creates the first segment
		t.Fatal("first append failed")
	}
	block := make(chan struct{})
	f.set(func(f *faults) { f.syncBlock = block })
	m = testMessage(1, 100)
	if err := l.Append(&m, w.Done()); err != nil {
		t.Fatal(err)
	}
	if err := w.Wait(); !errors.Is(err, ErrFlushTimeout) {
		t.Fatalf("completion %v, want ErrFlushTimeout", err)
	}
	f.set(func(f *faults) { f.syncBlock = nil })
	close(block)
	// A timeout is not sticky: the next append completes once synced.
	m = testMessage(2, 100)
	if err := l.Append(&m, w.Done()); err != nil {
		t.Fatal(err)
	}
	if err := w.Wait(); err != nil {
		t.Fatalf("append after a timeout: %v", err)
	}
	if l.ConfirmedOffset() < m.PhysicalOffset+int64(m.TotalSize) {
		t.Fatal("confirmed offset did not reach the synced record")
	}
}

func TestCommitLogFailedBufferedWriteIsSticky(t *testing.T) {
	var f faults
	l := openTestLog(t, testConfig(t, SyncFlush).withOps(f.ops()))
	w := NewWaiter()
	m := testMessage(0, 100)
	if err := l.Append(&m, w.Done()); err != nil || w.Wait() != nil {
		t.Fatal("first append failed")
	}
	f.set(func(f *faults) { f.writeErr = syscall.EIO })
	m = testMessage(1, 100)
	if err := l.Append(&m, w.Done()); err != nil {
		t.Fatal(err) // buffered: the write happens in the flusher
	}
	got := w.Wait()
	var ioErr *IOError
	if !errors.Is(got, syscall.EIO) || !errors.As(got, &ioErr) || ioErr.Op != "write" {
		t.Fatalf("completion %v, want the write's EIO", got)
	}
	f.set(func(f *faults) { f.writeErr = nil })
	if err := l.Append(&m, w.Done()); err != got {
		t.Fatalf("append after a failed write: %v, want sticky %v", err, got)
	}
}

// After a failed sync the kernel may have dropped the dirty pages, so a
// later sync can succeed without the records being on disk (the fsyncgate
// problem). The log must keep failing flushes with the sticky error and
// never advance the flushed offset, the confirmed offset or the
// checkpoint past the failed sync.
func TestCommitLogFlushAfterFailedSyncStaysFailed(t *testing.T) {
	for _, flush := range []FlushDiskType{AsyncFlush, SyncFlush} {
		t.Run(fmt.Sprintf("flush=%d", flush), func(t *testing.T) {
			var f faults
			cfg := testConfig(t, flush)
			cfg.FlushIntervalCommitLog = time.Hour // only this test flushes
			cfg.CheckpointInterval = time.Hour
			l := openTestLog(t, cfg.withOps(f.ops()))
			w := NewWaiter()
			m := testMessage(0, 100)
			if err := l.Append(&m, w.Done()); err != nil || w.Wait() != nil {
				t.Fatal("first append failed")
			}
			if err := l.Flush(); err != nil {
				t.Fatal(err)
			}
			synced := l.FlushedOffset()
			confirmed := l.ConfirmedOffset()
			f.set(func(f *faults) { f.syncErr = syscall.EIO })
			m = testMessage(1, 100)
			if err := l.Append(&m, nil); err != nil {
				t.Fatal(err)
			}
			first := l.Flush()
			if !errors.Is(first, syscall.EIO) {
				t.Fatalf("flush with failing sync: %v", first)
			}
			f.set(func(f *faults) { f.syncErr = nil }) // the disk "recovers"
			if err := l.Flush(); err != first {
				t.Fatalf("flush after a failed sync: %v, want the sticky %v", err, first)
			}
			if l.FlushedOffset() != synced {
				t.Fatalf("flushed offset moved from %d to %d past a failed sync", synced, l.FlushedOffset())
			}
			if flush == SyncFlush && l.ConfirmedOffset() != confirmed {
				t.Fatalf("confirmed offset moved from %d to %d past a failed sync", confirmed, l.ConfirmedOffset())
			}
			if err := l.writeCheckpoint(); err != nil {
				t.Fatal(err)
			}
			if l.Checkpoint().FlushedOffset() > synced {
				t.Fatalf("checkpoint claims %d flushed, only %d was synced", l.Checkpoint().FlushedOffset(), synced)
			}
			if err := l.Close(); err == nil {
				t.Fatal("Close after a failed sync reported success")
			}
			if _, err := os.Stat(filepath.Join(cfg.StorePathRootDir, "abort")); err != nil {
				t.Fatalf("abort marker not kept after a failed sync: %v", err)
			}
		})
	}
}

// An appender waiting for room in a full write buffer (the disk is behind)
// must be released with the sticky error when the sync it waits behind
// fails: the flusher no longer swaps the buffer out once the log has
// failed, so nothing else would ever wake it.
func TestCommitLogFullWriteBufferWaiterGetsStickyError(t *testing.T) {
	var f faults
	l := openTestLog(t, testConfig(t, SyncFlush).withOps(f.ops()))
	w := NewWaiter()
	m := testMessage(0, 1000)
	if err := l.Append(&m, w.Done()); err != nil || w.Wait() != nil {
		t.Fatal("first append failed")
	}
	const limit = 8 << 10
	l.setPendingLimit(limit)
	block := make(chan struct{})
	f.set(func(f *faults) { f.syncBlock, f.syncErr = block, syscall.EIO })
	// The flusher writes this record out, then blocks in its sync and
	// swaps the buffer no more.
	m = testMessage(1, 1000)
	if err := l.Append(&m, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the flusher to write the buffer out", func() bool { return l.MaxOffset() == end(&m) })
	for i := 2; ; i++ {
		if buffered, _ := l.pendingState(); buffered >= limit {
			break
		}
		m = testMessage(i, 1000)
		if err := l.Append(&m, nil); err != nil {
			t.Fatal(err)
		}
	}
	errc := make(chan error, 1)
	go func() {
		m := testMessage(5000, 1000)
		errc <- l.Append(&m, nil)
	}()
	waitFor(t, "an appender waiting for buffer room", func() bool {
		_, n := l.pendingState()
		return n == 1
	})
	close(block) // the sync fails
	var err error
	waitFor(t, "the waiting appender to return", func() bool {
		select {
		case err = <-errc:
			return true
		default:
			return false
		}
	})
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("waiting appender returned %v, want the sticky EIO", err)
	}
}

// Every sync-flush completion runs exactly once whichever way it ends:
// durable, timed out by the watchdog while its sync hangs (in flight or
// still queued), or completed by Close.
func TestGroupCommitCompletesEachAppendExactlyOnce(t *testing.T) {
	var f faults
	cfg := testConfig(t, SyncFlush)
	cfg.SyncFlushTimeout = 20 * time.Millisecond
	l, err := Open(cfg.withOps(f.ops()))
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	var calls [n]atomic.Int32
	var timedOut, ok atomic.Int32
	appendOne := func(i int) {
		m := testMessage(i, 200)
		err := l.Append(&m, func(err error) {
			calls[i].Add(1)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrFlushTimeout):
				timedOut.Add(1)
			}
		})
		if err != nil {
			t.Errorf("append %d: %v", i, err)
		}
	}
	for i := range n / 3 {
		appendOne(i)
	}
	block := make(chan struct{})
	f.set(func(f *faults) { f.syncBlock = block })
	for i := n / 3; i < 2*n/3; i++ {
		appendOne(i)
	}
	waitFor(t, "appends to time out behind a hung sync", func() bool { return timedOut.Load() > 0 })
	f.set(func(f *faults) { f.syncBlock = nil })
	close(block)
	for i := 2 * n / 3; i < n; i++ {
		appendOne(i)
	}
	if err := l.Close(); err != nil { // completes what is still pending
		t.Fatal(err)
	}
	for i := range calls {
		if c := calls[i].Load(); c != 1 {
			t.Fatalf("append %d completed %d times", i, c)
		}
	}
	if ok.Load()+timedOut.Load() != n {
		t.Fatalf("%d durable + %d timed out, want %d in all", ok.Load(), timedOut.Load(), n)
	}
}

// Forced retention must not delete a segment that still has records in the
// sync-flush write buffer (the flusher is behind): writing them out later
// would hit an unmapped, closed file and fail the log for good.
func TestRetentionSparesSegmentWithBufferedRecords(t *testing.T) {
	var f faults
	cfg := testConfig(t, SyncFlush).withDiskUsage(func(string) (int, error) { return 90, nil })
	cfg.CleanResourceInterval = time.Hour
	l := openTestLog(t, cfg.withOps(f.ops()))
	w := NewWaiter()
	m := testMessage(0, 1500)
	if err := l.Append(&m, w.Done()); err != nil || w.Wait() != nil {
		t.Fatal("first append failed")
	}
	// The preparer syncs the next segment before renaming it into place;
	// block syncs only after that, or the roll below would wait for it.
	next := filepath.Join(cfg.StorePathRootDir, "commitlog", segmentName(cfg.MappedFileSizeCommitLog))
	waitFor(t, "the next segment to be prepared", func() bool { _, err := os.Stat(next); return err == nil })
	block := make(chan struct{})
	f.set(func(f *faults) { f.syncBlock = block })
	m = testMessage(1, 1500)
	if err := l.Append(&m, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the flusher to write the buffer out", func() bool { return l.MaxOffset() == end(&m) })
	// Buffer records until one lands in the second segment.
	var msgs []protocol.StoredMessage
	for i := 2; m.PhysicalOffset < cfg.MappedFileSizeCommitLog; i++ {
		m = testMessage(i, 1500)
		if err := l.Append(&m, nil); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if _, err := l.DeleteExpired(); err != nil {
		t.Fatal(err)
	}
	f.set(func(f *faults) { f.syncBlock = nil })
	close(block)
	if err := l.Flush(); err != nil {
		t.Fatalf("flush after retention: %v", err)
	}
	for i := range msgs {
		checkStored(t, l, &msgs[i])
	}
}

// A completion that appends runs on the flusher; with the write buffer full
// that append must not wait for the flusher (itself): it goes through and
// both records are stored.
func TestCompletionAppendingWithFullBufferDoesNotDeadlock(t *testing.T) {
	var f faults
	l := openTestLog(t, testConfig(t, SyncFlush).withOps(f.ops()))
	const limit = 8 << 10
	l.setPendingLimit(limit)
	// A first durable record makes sure the preparer has created the
	// segment: creating it syncs too, and must not meet the blocked sync.
	warm := testMessage(8000, 100)
	w := NewWaiter()
	if err := l.Append(&warm, w.Done()); err != nil || w.Wait() != nil {
		t.Fatal("warm-up append failed")
	}
	block := make(chan struct{})
	f.set(func(f *faults) { f.syncBlock = block })
	inner := testMessage(9000, 1000)
	appended := make(chan error, 1)
	m := testMessage(0, 1000)
	if err := l.Append(&m, func(err error) {
		appended <- l.Append(&inner, nil) // on the flusher goroutine
	}); err != nil {
		t.Fatal(err)
	}
	// The flusher writes m out and blocks in its sync; fill the buffer.
	waitFor(t, "the flusher to write the first record", func() bool { return l.MaxOffset() == end(&m) })
	for i := 1; ; i++ {
		if buffered, _ := l.pendingState(); buffered >= limit {
			break
		}
		m2 := testMessage(i, 1000)
		if err := l.Append(&m2, nil); err != nil {
			t.Fatal(err)
		}
	}
	f.set(func(f *faults) { f.syncBlock = nil })
	close(block) // the sync returns; the flusher runs the completion
	var err error
	waitFor(t, "the completion's append to return", func() bool {
		select {
		case err = <-appended:
			return true
		default:
			return false
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	checkStored(t, l, &m)
	checkStored(t, l, &inner)
}
