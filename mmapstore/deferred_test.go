package mmapstore

import (
	"errors"
	"sync"
	"syscall"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// A deferred record is invisible to MaxOffset, ConfirmedOffset, Read and the
// scanner until WritePending writes it.
func TestAppendDeferredVisibleOnlyAfterWritePending(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	first := testMessage(0, 100)
	if err := l.Append(&first, nil); err != nil {
		t.Fatal(err)
	}
	end := l.MaxOffset()
	msgs := make([]protocol.StoredMessage, 3)
	for i := range msgs {
		msgs[i] = testMessage(i+1, 200)
		if err := l.AppendDeferred(&msgs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if msgs[0].PhysicalOffset != end {
		t.Fatalf("deferred record got offset %d, want %d", msgs[0].PhysicalOffset, end)
	}
	if l.MaxOffset() != end || l.ConfirmedOffset() != end {
		t.Fatalf("before WritePending: MaxOffset %d ConfirmedOffset %d, want %d", l.MaxOffset(), l.ConfirmedOffset(), end)
	}
	if _, err := l.Read(msgs[0].PhysicalOffset); err == nil {
		t.Fatal("Read returned a record not yet written")
	}
	if n := scanAll(t, l, 0); n != 1 {
		t.Fatalf("scanner saw %d records before WritePending, want 1", n)
	}
	if err := l.WritePending(); err != nil {
		t.Fatal(err)
	}
	want := msgs[2].PhysicalOffset + int64(msgs[2].Size())
	if l.MaxOffset() != want || l.ConfirmedOffset() != want {
		t.Fatalf("after WritePending: MaxOffset %d ConfirmedOffset %d, want %d", l.MaxOffset(), l.ConfirmedOffset(), want)
	}
	for i := range msgs {
		checkStored(t, l, &msgs[i])
	}
	if n := scanAll(t, l, 0); n != 4 {
		t.Fatalf("scanner saw %d records after WritePending, want 4", n)
	}
	if err := l.WritePending(); err != nil { // nothing pending
		t.Fatal(err)
	}
}

// An ordinary Append (another goroutine: schedule, send-back) writes the
// deferred records before it, so nothing waits on the hook for correctness.
func TestAppendWritesDeferredRecords(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	d := testMessage(0, 100)
	if err := l.AppendDeferred(&d); err != nil {
		t.Fatal(err)
	}
	var b []protocol.StoredMessage
	b = append(b, testMessage(1, 50), testMessage(1, 60))
	if err := l.AppendBatchDeferred(b); err != nil {
		t.Fatal(err)
	}
	if l.MaxOffset() != 0 {
		t.Fatalf("MaxOffset %d before any write", l.MaxOffset())
	}
	m := testMessage(2, 100)
	w := NewWaiter()
	if err := l.Append(&m, w.Done()); err != nil {
		t.Fatal(err)
	}
	if err := w.Wait(); err != nil {
		t.Fatal(err)
	}
	if want := m.PhysicalOffset + int64(m.Size()); l.MaxOffset() != want {
		t.Fatalf("MaxOffset %d, want %d", l.MaxOffset(), want)
	}
	checkStored(t, l, &d)
	checkStored(t, l, &b[0])
	checkStored(t, l, &b[1])
	checkStored(t, l, &m)
}

// Deferred records spanning a segment roll are written to both segments
// (one pwrite each) and read back; the blank filler lands too.
func TestAppendDeferredAcrossSegmentRoll(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	var msgs []protocol.StoredMessage
	for i := 0; ; i++ {
		m := testMessage(i, 60<<10)
		if err := l.AppendDeferred(&m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
		if i%3 == 2 { // stay under maxDeferredBytes: the hook writes
			if err := l.WritePending(); err != nil {
				t.Fatal(err)
			}
		}
		if m.PhysicalOffset >= testLogSegSize+(100<<10) {
			break
		}
	}
	if err := l.WritePending(); err != nil {
		t.Fatal(err)
	}
	for i := range msgs {
		checkStored(t, l, &msgs[i])
	}
	if n := scanAll(t, l, 0); n != len(msgs) {
		t.Fatalf("scanned %d records, want %d", n, len(msgs))
	}
}

// Past maxDeferredBytes, AppendDeferred writes at once.
func TestAppendDeferredWritesWhenBufferFull(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	var last protocol.StoredMessage
	for i := 0; l.MaxOffset() == 0; i++ {
		if i > 2*maxDeferredBytes/(10<<10) {
			t.Fatalf("%d deferred records of 10 KiB and nothing written", i)
		}
		last = testMessage(i, 10<<10)
		if err := l.AppendDeferred(&last); err != nil {
			t.Fatal(err)
		}
	}
	if l.MaxOffset() < maxDeferredBytes {
		t.Fatalf("wrote at %d bytes, want at least %d buffered first", l.MaxOffset(), maxDeferredBytes)
	}
	checkStored(t, l, &last)
}

// A clean Close writes deferred records; reopening finds them.
func TestAppendDeferredWrittenByClose(t *testing.T) {
	cfg := testConfig(t, AsyncFlush)
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage(0, 100)
	if err := l.AppendDeferred(&m); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openTestLog(t, cfg)
	checkStored(t, l2, &m)
}

// A failed write of deferred records is reported by WritePending (so their
// acknowledgements are not sent) and is sticky.
func TestWritePendingReportsFailedWrite(t *testing.T) {
	var f faults
	l := openTestLog(t, testConfig(t, AsyncFlush).withOps(f.ops()))
	m := testMessage(0, 100)
	if err := l.AppendDeferred(&m); err != nil {
		t.Fatal(err)
	}
	f.set(func(f *faults) { f.writeErr = syscall.EIO })
	if err := l.WritePending(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("WritePending with failing write: %v", err)
	}
	if l.MaxOffset() != 0 {
		t.Fatal("failed write advanced the write offset")
	}
	f.set(func(f *faults) { f.writeErr = nil })
	if err := l.AppendDeferred(&m); !errors.Is(err, syscall.EIO) {
		t.Fatalf("AppendDeferred after failed write: %v", err)
	}
}

// Under sync flush AppendDeferred is Append without a completion.
func TestAppendDeferredSyncFlush(t *testing.T) {
	l := openTestLog(t, testConfig(t, SyncFlush))
	m := testMessage(0, 100)
	if err := l.AppendDeferred(&m); err != nil {
		t.Fatal(err)
	}
	if err := l.WritePending(); err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	checkStored(t, l, &m)
}

func TestAppendDeferredDoesNotAllocate(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	m := testMessage(1, 1000)
	for range 10 {
		if err := l.AppendDeferred(&m); err != nil {
			t.Fatal(err)
		}
		if err := l.WritePending(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(200, func() {
		m.StoreHost = nil
		for range 8 {
			if err := l.AppendDeferred(&m); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.WritePending(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendDeferred+WritePending allocates %v per batch", allocs)
	}
}

// Several loops defer and write concurrently: when a loop's WritePending
// returns, its own records are readable even if another loop's commit took
// them (WritePending waits for that commit).
func TestWritePendingConcurrentLoops(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	const loops, batches, perBatch = 4, 50, 5
	var wg sync.WaitGroup
	errs := make(chan error, loops)
	for g := range loops {
		wg.Go(func() {
			msgs := make([]protocol.StoredMessage, perBatch)
			for b := range batches {
				for i := range msgs {
					msgs[i] = testMessage(g*1000+b*perBatch+i, 300)
					if err := l.AppendDeferred(&msgs[i]); err != nil {
						errs <- err
						return
					}
				}
				if err := l.WritePending(); err != nil {
					errs <- err
					return
				}
				for i := range msgs {
					if end := msgs[i].PhysicalOffset + int64(msgs[i].Size()); l.MaxOffset() < end {
						errs <- errors.New("record not visible after WritePending")
						return
					}
					v, err := l.Read(msgs[i].PhysicalOffset)
					if err != nil {
						errs <- err
						return
					}
					v.Release()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := scanAll(t, l, 0); n != loops*batches*perBatch {
		t.Fatalf("scanned %d records, want %d", n, loops*batches*perBatch)
	}
}
