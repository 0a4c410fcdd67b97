package index

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestEntryEncodingIsRocketMQLayout(t *testing.T) {
	b := AppendEntry([]byte{0xEE}, Entry{PhyOffset: 0x0102030405060708, Size: 0x0A0B0C0D, TagsCode: -2})
	want := []byte{0xEE,
		1, 2, 3, 4, 5, 6, 7, 8,
		0x0A, 0x0B, 0x0C, 0x0D,
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}
	if !bytes.Equal(b, want) {
		t.Fatalf("AppendEntry = % x, want % x", b, want)
	}
	e, err := DecodeEntry(b[1:])
	if err != nil || e != (Entry{0x0102030405060708, 0x0A0B0C0D, -2}) {
		t.Fatalf("DecodeEntry = %+v, %v", e, err)
	}
	var p [EntrySize]byte
	putEntry(p[:], e)
	if !bytes.Equal(p[:], b[1:]) {
		t.Fatal("putEntry differs from AppendEntry")
	}
}

func TestDecodeEntryShort(t *testing.T) {
	if _, err := DecodeEntry(make([]byte, 19)); !errors.Is(err, ErrShortEntry) {
		t.Fatalf("19 bytes: %v", err)
	}
}

func TestEntryValidity(t *testing.T) {
	f := func(e Entry, valid, filler bool) {
		t.Helper()
		if e.Valid() != valid || e.Filler() != filler {
			t.Errorf("%+v: valid %v filler %v", e, e.Valid(), e.Filler())
		}
	}
	f(Entry{}, false, false) // a zeroed (preallocated) slot ends the queue
	f(Entry{PhyOffset: -1, Size: 10}, false, false)
	f(Entry{PhyOffset: 0, Size: 91}, true, false)
	f(Entry{PhyOffset: 0, Size: math.MaxInt32}, true, true)
}

func TestValidPrefixStopsAtInvalidOrPastLogEnd(t *testing.T) {
	var b []byte
	b = AppendEntry(b, fillerEntry)
	b = AppendEntry(b, Entry{PhyOffset: 0, Size: 100})
	b = AppendEntry(b, Entry{PhyOffset: 100, Size: 100})
	b = AppendEntry(b, Entry{PhyOffset: 200, Size: 100})
	b = AppendEntry(b, Entry{}) // preallocated zeros
	b = AppendEntry(b, Entry{PhyOffset: 300, Size: 100})
	f := func(logEnd int64, want int) {
		t.Helper()
		if got := validPrefix(b, logEnd); got != want {
			t.Errorf("logEnd %d: %d entries, want %d", logEnd, got, want)
		}
	}
	f(1000, 4)
	f(300, 4)
	f(299, 3) // the third record would end past the log
	f(0, 1)   // only the filler
	if got := validPrefix(b[:EntrySize*2+7], 1000); got != 2 {
		t.Errorf("torn tail: %d", got)
	}
}

func TestSearchTimeMatchesLinearScan(t *testing.T) {
	times := []int64{math.MinInt64, 10, 10, 20, 30, 30, 30, 40}
	timeAt := func(i int64) (int64, error) { return times[i], nil }
	for _, lo := range []int64{0, 1, 3} {
		for ts := int64(0); ts <= 50; ts += 5 {
			wantLower, wantUpper := int64(len(times)), lo
			for i := lo; i < int64(len(times)); i++ {
				if times[i] >= ts && wantLower == int64(len(times)) {
					wantLower = i
				}
				if times[i] <= ts {
					wantUpper = i
				}
			}
			gotL, _ := searchTime(lo, int64(len(times)), ts, BoundaryLower, timeAt)
			gotU, _ := searchTime(lo, int64(len(times)), ts, BoundaryUpper, timeAt)
			if gotL != wantLower || gotU != wantUpper {
				t.Errorf("lo %d ts %d: lower %d (want %d) upper %d (want %d)", lo, ts, gotL, wantLower, gotU, wantUpper)
			}
		}
	}
}

func TestSearchTimeReturnsReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := searchTime(0, 10, 5, BoundaryLower, func(int64) (int64, error) { return 0, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
}
