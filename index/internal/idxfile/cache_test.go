package idxfile

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCacheWritesSameBytes drives a cached and an uncached file with the
// same random puts, truncations and Has checks; once published, their
// regions must be byte for byte the same.
func TestCacheWritesSameBytes(t *testing.T) {
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 3))
		plain, pb := newTestFile(t, 11, 300, 0, 0)
		cached, cb := newTestFile(t, 11, 300, 0, 0)
		if err := cached.Cache(); err != nil {
			t.Fatal(err)
		}
		phy := int64(0)
		for range 280 {
			switch r := rng.IntN(20); {
			case r == 0:
				cut := phy - rng.Int64N(phy/2+1)
				a, err1 := plain.Truncate(cut)
				b, err2 := cached.Truncate(cut)
				if a != b || err1 != nil || err2 != nil {
					t.Fatalf("seed %d: truncate %d removed %d and %d (%v %v)", seed, cut, a, b, err1, err2)
				}
				phy = cut
			case r < 4:
				cached.WriteHeader()
			default:
				h := rng.Int32N(40)
				ok1, _ := plain.Put(h, phy, 1000+phy)
				ok2, _ := cached.Put(h, phy, 1000+phy)
				if ok1 != ok2 {
					t.Fatalf("seed %d: put results differ", seed)
				}
				h1, _ := plain.Has(h, phy)
				h2, _ := cached.Has(h, phy)
				if !h1 || !h2 {
					t.Fatalf("seed %d: Has after put: %v %v", seed, h1, h2)
				}
				phy += 100
			}
		}
		plain.WriteHeader()
		if err := cached.FlushSlots(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pb[:HeaderSize+11*SlotSize], cb[:HeaderSize+11*SlotSize]) {
			t.Fatalf("seed %d: header or slots differ", seed)
		}
		n := int(plain.Header().IndexCount)
		at := HeaderSize + 11*SlotSize
		if !bytes.Equal(pb[at:at+n*EntrySize], cb[at:at+n*EntrySize]) {
			t.Fatalf("seed %d: entries differ", seed)
		}
		for h := range int32(40) {
			a, _ := plain.Lookup(nil, h, 0, 1<<40, 1000)
			b, _ := cached.Lookup(nil, h, 0, 1<<40, 1000)
			if !slices.Equal(a, b) {
				t.Fatalf("seed %d hash %d: lookups differ %v %v", seed, h, a, b)
			}
		}
	}
}

func TestCachedPutsInvisibleUntilPublished(t *testing.T) {
	f, b := newTestFile(t, 4, 16, 0, 0)
	f.Cache()
	mustPut(t, f, 3, 100, 1000)
	if !bytes.Equal(b[HeaderSize:], make([]byte, len(b)-HeaderSize)) {
		t.Fatal("cached put reached the region before WriteHeader")
	}
	if got, _ := f.Lookup(nil, 3, 0, 5000, 9); len(got) != 0 {
		t.Fatalf("visible before publish: %v", got)
	}
	if got := lookup(t, f, 3, 0, 5000, 9); !slices.Equal(got, []int64{100}) {
		t.Fatalf("after publish: %v", got)
	}
	if !bytes.Equal(b[HeaderSize:HeaderSize+4*SlotSize], make([]byte, 4*SlotSize)) {
		t.Fatal("slots reached the region before FlushSlots")
	}
	f.FlushSlots()
	if got := b[HeaderSize+3*SlotSize : HeaderSize+4*SlotSize]; !bytes.Equal(got, []byte{0, 0, 0, 1}) {
		t.Fatalf("slot 3 in the region after FlushSlots: % x", got)
	}
	f.Uncache()
	if got, _ := f.Lookup(nil, 3, 0, 5000, 9); !slices.Equal(got, []int64{100}) {
		t.Fatalf("after Uncache (slots from the region): %v", got)
	}
}

func TestCachedPutAllocatesNothing(t *testing.T) {
	f, _ := newTestFile(t, 64, 1<<12, 0, 0)
	f.Cache()
	var phy int64
	n := testing.AllocsPerRun(500, func() {
		f.Put(int32(phy%97), phy, 1000)
		phy++
		if phy%64 == 0 {
			f.WriteHeader()
		}
	})
	if n != 0 {
		t.Fatalf("cached Put allocates %v", n)
	}
}
