package idxfile

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSizeIsRocketMQDefault(t *testing.T) {
	if got := Size(DefaultSlots, DefaultEntries); got != 420_000_040 {
		t.Fatalf("Size(defaults) = %d, want 420000040", got)
	}
}

func TestNewWritesHeaderFromPreviousEnd(t *testing.T) {
	_, b := newTestFile(t, 4, 8, 1000, 1_700_000_000_000)
	want := AppendHeader(nil, Header{BeginTimestamp: 1_700_000_000_000, EndTimestamp: 1_700_000_000_000,
		BeginPhyOffset: 1000, EndPhyOffset: 1000, IndexCount: 1})
	if !bytes.Equal(b[:HeaderSize], want) {
		t.Fatalf("header %x, want %x", b[:HeaderSize], want)
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{BeginTimestamp: -1, EndTimestamp: 2, BeginPhyOffset: 3, EndPhyOffset: 1 << 40, HashSlotCount: 5, IndexCount: 6}
	b := AppendHeader(nil, h)
	if len(b) != HeaderSize || DecodeHeader(b) != h {
		t.Fatalf("round trip: %d bytes, %+v", len(b), DecodeHeader(b))
	}
	// Byte positions are RocketMQ's IndexHeader offsets.
	if b[39] != 6 || b[35] != 5 || b[26] != 1 {
		t.Fatalf("fields at wrong offsets: % x", b)
	}
}

func TestPutWritesRocketMQEntryLayout(t *testing.T) {
	f, b := newTestFile(t, 4, 8, 0, 0)
	mustPut(t, f, 6, 100, 5000) // both land in slot 2
	mustPut(t, f, 10, 200, 7500)
	if err := f.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	want := Header{BeginTimestamp: 5000, EndTimestamp: 7500, BeginPhyOffset: 100, EndPhyOffset: 200, HashSlotCount: 1, IndexCount: 3}
	if h := DecodeHeader(b); h != want {
		t.Fatalf("header %+v, want %+v", h, want)
	}
	if got := b[HeaderSize+2*SlotSize : HeaderSize+3*SlotSize]; !bytes.Equal(got, []byte{0, 0, 0, 2}) {
		t.Fatalf("slot 2 = % x, want entry 2", got)
	}
	e2 := b[HeaderSize+4*SlotSize+2*EntrySize:][:EntrySize]
	wantE2 := []byte{0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 2, 0, 0, 0, 1} // diff 2 s, prev 1
	if !bytes.Equal(e2, wantE2) {
		t.Fatalf("entry 2 = % x, want % x", e2, wantE2)
	}
	if e1 := mustEntry(t, f, 1); e1 != (Entry{KeyHash: 6, PhyOffset: 100}) {
		t.Fatalf("entry 1 = %+v (first entry has timeDiff 0, no prev)", e1)
	}
}

func TestPutReportsFull(t *testing.T) {
	f, _ := newTestFile(t, 2, 4, 0, 0)
	for i := range 3 {
		mustPut(t, f, int32(i), int64(i), 1)
	}
	if ok, err := f.Put(9, 9, 1); !f.Full() || ok || err != nil {
		t.Fatalf("fourth put into a 4-entry file (entry 0 unused): ok %v err %v", ok, err)
	}
	if f.Count() != 3 {
		t.Fatalf("count %d", f.Count())
	}
}

func TestPutErrorIsSticky(t *testing.T) {
	f, err := New(make(Mem, Size(2, 4)), 2, 4, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.r = Mem(make([]byte, HeaderSize)) // entries now fall outside the region
	if _, err := f.Put(1, 1, 1); err == nil {
		t.Fatal("put into a short region succeeded")
	}
	if _, err := f.Put(1, 1, 1); err == nil || f.Err() == nil {
		t.Fatal("error not sticky")
	}
}

func TestTimeDiffClamps(t *testing.T) {
	f := func(store, begin int64, want int32) {
		t.Helper()
		if got := timeDiff(store, begin); got != want {
			t.Errorf("timeDiff(%d, %d) = %d, want %d", store, begin, got, want)
		}
	}
	f(5000, 0, 0)
	f(5000, 6000, 0)
	f(6999, 5000, 1)
	f(1<<62, 1, 1<<31-1)
}

func TestLookupFiltersByHashAndTimeNewestFirst(t *testing.T) {
	f, _ := newTestFile(t, 4, 32, 0, 0)
	base := int64(1_700_000_000_000)
	mustPut(t, f, 8, 0, base)        // slot 0
	mustPut(t, f, 4, 10, base+1000)  // slot 0, other key
	mustPut(t, f, 8, 20, base+2000)  // slot 0
	mustPut(t, f, 8, 30, base+10000) // slot 0
	mustPut(t, f, 1, 40, base+10000) // slot 1
	if got := lookup(t, f, 8, base, base+2000, 10); !slices.Equal(got, []int64{20, 0}) {
		t.Fatalf("lookup [0s,2s] = %v, want [20 0]", got)
	}
	if got := lookup(t, f, 8, 0, base+100000, 2); !slices.Equal(got, []int64{30, 20}) {
		t.Fatalf("lookup max 2 = %v, want [30 20]", got)
	}
	if got := lookup(t, f, 3, 0, base+100000, 10); len(got) != 0 {
		t.Fatalf("absent hash found %v", got)
	}
}

func TestLookupSeesOnlyPublishedHeader(t *testing.T) {
	f, _ := newTestFile(t, 4, 32, 0, 0)
	mustPut(t, f, 8, 0, 1000)
	if got, _ := f.Lookup(nil, 8, 0, 5000, 10); len(got) != 0 {
		t.Fatalf("entry visible before WriteHeader: %v", got)
	}
	if got := lookup(t, f, 8, 0, 5000, 10); !slices.Equal(got, []int64{0}) {
		t.Fatalf("after WriteHeader: %v", got)
	}
}

func TestLookupStopsOnCorruptChain(t *testing.T) {
	f, _ := newTestFile(t, 1, 8, 0, 0)
	mustPut(t, f, 7, 1, 1000)
	mustPut(t, f, 7, 2, 1000)
	e := mustEntry(t, f, 2)
	e.Prev = 2 // self loop
	f.writeEntry(2, e)
	if got := lookup(t, f, 7, 0, 5000, 100); !slices.Equal(got, []int64{2}) {
		t.Fatalf("lookup over a self-loop = %v, want [2]", got)
	}
	e.Prev = 5 // forward link
	f.writeEntry(2, e)
	if got := lookup(t, f, 7, 0, 5000, 100); !slices.Equal(got, []int64{2}) {
		t.Fatalf("lookup over a forward link = %v", got)
	}
}

func TestHasFindsOnlyExactEntry(t *testing.T) {
	f, _ := newTestFile(t, 4, 16, 0, 0)
	mustPut(t, f, 5, 100, 1)
	mustPut(t, f, 9, 200, 1) // same slot, other hash
	mustPut(t, f, 5, 300, 1)
	for _, c := range []struct {
		hash int32
		phy  int64
		want bool
	}{{5, 300, true}, {5, 100, true}, {9, 200, true}, {5, 200, false}, {9, 300, false}, {1, 300, false}} {
		if got, err := f.Has(c.hash, c.phy); got != c.want || err != nil {
			t.Errorf("Has(%d, %d) = %v, %v, want %v", c.hash, c.phy, got, err, c.want)
		}
	}
}

func TestLoadRejectsHeaderOutOfShape(t *testing.T) {
	f, b := newTestFile(t, 4, 8, 0, 0)
	f.h.IndexCount = 9
	f.WriteHeader()
	if _, err := Load(b, 4, 8); !errors.Is(err, ErrBadHeader) {
		t.Fatalf("Load with indexCount 9 of 8: %v", err)
	}
	if _, err := Load(b[:10], 4, 8); err == nil {
		t.Fatal("Load of a short region succeeded")
	}
	f.h.IndexCount = 0
	f.WriteHeader()
	g, err := Load(b, 4, 8)
	if err != nil || g.Header().IndexCount != 1 {
		t.Fatalf("indexCount 0 loads as 1 (RocketMQ): %v", err)
	}
}

func TestTruncateUndoesPutsExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f, b := newTestFile(t, 7, 64, 0, 0)
	slotsAt := map[int][]byte{}
	for i := range 40 {
		slotsAt[i] = bytes.Clone(b[HeaderSize : HeaderSize+7*SlotSize])
		mustPut(t, f, rng.Int32N(50), int64(i*100), int64(1000+i*10))
	}
	for _, keep := range []int{39, 25, 3, 0} {
		removed, err := f.Truncate(int64(keep * 100))
		if err != nil || f.Count() != keep {
			t.Fatalf("keep=%d: count %d (removed %d), %v", keep, f.Count(), removed, err)
		}
		if !bytes.Equal(b[HeaderSize:HeaderSize+7*SlotSize], slotsAt[keep]) {
			t.Fatalf("keep=%d: slot table differs from the one before put %d", keep, keep)
		}
		h := DecodeHeader(b)
		if keep > 0 && h.EndPhyOffset != int64((keep-1)*100) {
			t.Fatalf("keep=%d: endPhyOffset %d", keep, h.EndPhyOffset)
		}
		if keep == 0 && h.EndPhyOffset != 0 {
			t.Fatalf("empty file endPhyOffset %d, want the truncation point", h.EndPhyOffset)
		}
	}
}

func TestRebuildDerivesSlotsFromEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	f, b := newTestFile(t, 7, 64, 0, 0)
	for i := range 30 {
		mustPut(t, f, rng.Int32N(100), int64(i*10), 1000)
	}
	f.WriteHeader()
	want := bytes.Clone(b[:HeaderSize+7*SlotSize])
	// Later puts whose header never reached the region, and a garbled slot.
	for i := 30; i < 40; i++ {
		mustPut(t, f, rng.Int32N(100), int64(i*10), 1000)
	}
	copy(b[HeaderSize+3*SlotSize:], []byte{0x7F, 0, 0, 0})
	copy(b[HeaderSize+5*SlotSize:], []byte{0, 0, 0, 0})
	copy(b[:HeaderSize], want[:HeaderSize])
	g, err := Load(b, 7, 64)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := g.Rebuild(); n == 0 || err != nil {
		t.Fatalf("Rebuild changed %d slots, %v", n, err)
	}
	if !bytes.Equal(b[:HeaderSize+7*SlotSize], want) {
		t.Fatalf("after Rebuild header+slots differ from the published state")
	}
	if n, err := g.Rebuild(); n != 0 || err != nil {
		t.Fatalf("second Rebuild changed %d, %v", n, err)
	}
}

// TestLookupMatchesNaiveModel checks chain walking against a scan of a
// plain list of what was put.
func TestLookupMatchesNaiveModel(t *testing.T) {
	type put struct {
		hash int32
		phy  int64
		ts   int64
	}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		slots := 1 + rng.IntN(13)
		f, _ := newTestFile(t, slots, 200, 0, 0)
		var model []put
		ts := int64(1_700_000_000_000)
		for i := range 199 {
			ts += rng.Int64N(1500)
			p := put{rng.Int32N(30), int64(i) * 64, ts}
			mustPut(t, f, p.hash, p.phy, p.ts)
			model = append(model, p)
		}
		begin := f.Header().BeginTimestamp
		for range 50 {
			h := rng.Int32N(30)
			lo := model[0].ts + rng.Int64N(ts-model[0].ts+1)
			hi := lo + rng.Int64N(100_000)
			maxN := 1 + rng.IntN(20)
			var want []int64
			for i := len(model) - 1; i >= 0 && len(want) < maxN; i-- {
				m := model[i]
				t := begin + int64(timeDiff(m.ts, begin))*1000
				if m.hash == h && t >= lo && t <= hi {
					want = append(want, m.phy)
				}
			}
			if got := lookup(t, f, h, lo, hi, maxN); !slices.Equal(got, want) {
				t.Fatalf("seed %d slots %d hash %d [%d,%d] max %d: got %v want %v", seed, slots, h, lo, hi, maxN, got, want)
			}
		}
	}
}

func TestTimeMatchesOverlap(t *testing.T) {
	h := Header{BeginTimestamp: 100, EndTimestamp: 200}
	for _, c := range []struct {
		b, e int64
		want bool
	}{{0, 50, false}, {0, 100, true}, {150, 160, true}, {50, 250, true}, {200, 300, true}, {201, 300, false}} {
		if got := h.TimeMatches(c.b, c.e); got != c.want {
			t.Errorf("[%d,%d] = %v", c.b, c.e, got)
		}
	}
}

func TestTruncateEmptyFileBegunPastTheCut(t *testing.T) {
	f, _ := newTestFile(t, 4, 8, 5000, 1000) // began where the previous file ended
	if _, err := f.Truncate(3000); err != nil {
		t.Fatal(err)
	}
	if h := f.Header(); h.EndPhyOffset != 3000 || h.BeginPhyOffset != 3000 {
		t.Fatalf("begin %d end %d, want 3000: messages from the cut on must be indexed again", h.BeginPhyOffset, h.EndPhyOffset)
	}
}
