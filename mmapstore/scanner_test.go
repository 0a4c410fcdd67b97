package mmapstore

import (
	"errors"
	"testing"
)

func TestScannerResumesWhenConfirmedOffsetAdvances(t *testing.T) {
	for _, flush := range []FlushDiskType{AsyncFlush, SyncFlush} {
		l := openTestLog(t, testConfig(t, flush))
		w := NewWaiter()
		appendN := func(from, n int) {
			for i := from; i < from+n; i++ {
				m := testMessage(i, 3000) // crosses segments after ~330
				if err := l.Append(&m, w.Done()); err != nil {
					t.Fatal(err)
				}
				if err := w.Wait(); err != nil {
					t.Fatal(err)
				}
			}
		}
		s := l.NewScanner(0)
		defer s.Close()
		seen := 0
		drain := func() {
			for s.Next() {
				if s.Offset() < 0 || len(s.Record()) == 0 {
					t.Fatal("empty record")
				}
				seen++
			}
			if s.Err() != nil {
				t.Fatal(s.Err())
			}
		}
		appendN(0, 200)
		drain()
		if seen != 200 || s.NextOffset() != l.ConfirmedOffset() {
			t.Fatalf("flush=%d: first pass saw %d, next %d confirmed %d", flush, seen, s.NextOffset(), l.ConfirmedOffset())
		}
		appendN(200, 400) // rolls into new segments
		drain()
		if seen != 600 {
			t.Fatalf("flush=%d: after more appends saw %d, want 600", flush, seen)
		}
	}
}

func TestReadRefusesNonRecordOffsets(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	var last int64
	for i := range 400 { // past the first segment, so a blank exists
		m := testMessage(i, 3000)
		if err := l.Append(&m, nil); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := l.Read(m.PhysicalOffset + 1); !errors.Is(err, ErrNotRecord) {
				t.Fatalf("read inside a record: %v", err)
			}
		}
		if m.PhysicalOffset >= testLogSegSize && last < testLogSegSize {
			if _, err := l.Read(last); !errors.Is(err, ErrNotRecord) {
				t.Fatalf("read of the blank at %d: %v", last, err)
			}
		}
		last = m.PhysicalOffset + int64(m.TotalSize)
	}
	if _, err := l.Read(l.MaxOffset()); !errors.Is(err, ErrOffsetRange) {
		t.Fatalf("read at the end: %v", err)
	}
}
