package idxfile

import "testing"

func newTestFile(tb testing.TB, slots, entries int, prevPhy, prevTs int64) (*File, Mem) {
	tb.Helper()
	b := make(Mem, Size(slots, entries))
	f, err := New(b, slots, entries, prevPhy, prevTs)
	if err != nil {
		tb.Fatal(err)
	}
	return f, b
}

func mustPut(tb testing.TB, f *File, hash int32, phy, ts int64) {
	tb.Helper()
	ok, err := f.Put(hash, phy, ts)
	if err != nil || !ok {
		tb.Fatalf("Put(%d, %d, %d) = %v, %v", hash, phy, ts, ok, err)
	}
}

// lookup publishes the header, then looks up.
func lookup(tb testing.TB, f *File, hash int32, begin, end int64, max int) []int64 {
	tb.Helper()
	if err := f.WriteHeader(); err != nil {
		tb.Fatal(err)
	}
	got, err := f.Lookup(nil, hash, begin, end, max)
	if err != nil {
		tb.Fatal(err)
	}
	return got
}

func mustEntry(tb testing.TB, f *File, n int32) Entry {
	tb.Helper()
	e, err := f.Entry(n)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
