package index

import (
	"bytes"
	"testing"
)

// FuzzConsumeQueueEntries feeds arbitrary bytes to the entry decoder and
// the recovery scan. Invariants: the kept prefix is within the input and
// made of whole entries; every kept entry is valid (or a filler) and ends
// at or before the log end; decoding and re-encoding a kept entry gives the
// same bytes; scanning the kept prefix again keeps all of it; and scanning
// the input in two halves agrees with scanning it whole.
func FuzzConsumeQueueEntries(f *testing.F) {
	var good []byte
	good = AppendEntry(good, Entry{PhyOffset: 0, Size: 120, TagsCode: 2598919})
	good = AppendEntry(good, Entry{PhyOffset: 120, Size: 200})
	f.Add(good, int64(320))
	f.Add(append(bytes.Clone(good), 0xFF, 0xFF, 0xFF), int64(1<<40))
	f.Add(AppendEntry(nil, fillerEntry), int64(0))
	f.Add([]byte{}, int64(0))
	f.Add(bytes.Repeat([]byte{0xFF}, 60), int64(-1))
	f.Fuzz(func(t *testing.T, data []byte, logEnd int64) {
		n := validPrefix(data, logEnd)
		if n < 0 || n*EntrySize > len(data) {
			t.Fatalf("kept %d entries of %d bytes", n, len(data))
		}
		for i := range n {
			raw := data[i*EntrySize : (i+1)*EntrySize]
			e, err := DecodeEntry(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Filler() && (!e.Valid() || e.End() > logEnd) {
				t.Fatalf("kept entry %d %+v with log end %d", i, e, logEnd)
			}
			if !bytes.Equal(AppendEntry(nil, e), raw) {
				t.Fatalf("entry %d does not round-trip", i)
			}
		}
		if again := validPrefix(data[:n*EntrySize], logEnd); again != n {
			t.Fatalf("rescan of the kept prefix kept %d, want %d", again, n)
		}
		half := (len(data) / EntrySize / 2) * EntrySize
		first := validPrefix(data[:half], logEnd)
		split := first
		if first*EntrySize == half {
			split += validPrefix(data[half:], logEnd)
		}
		if split != n {
			t.Fatalf("split scan kept %d, whole %d", split, n)
		}
	})
}
