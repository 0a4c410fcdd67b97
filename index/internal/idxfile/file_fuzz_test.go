package idxfile

import (
	"testing"
)

// FuzzLoadRebuild lays arbitrary bytes over a small index file and checks
// that Load either refuses the header or yields a file on which Rebuild,
// Lookup, Put and Truncate terminate without panicking, that after Rebuild
// every slot points at an entry that exists, and that a second Rebuild
// changes nothing.
func FuzzLoadRebuild(f *testing.F) {
	const slots, entries = 3, 6
	size := int(Size(slots, entries))
	good := make(Mem, size)
	g, _ := New(good, slots, entries, 0, 0)
	g.Put(1, 10, 1000)
	g.Put(4, 20, 3000)
	g.WriteHeader()
	f.Add([]byte(good))
	f.Add(make([]byte, size))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := make(Mem, size)
		copy(b, data)
		file, err := Load(b, slots, entries)
		if err != nil {
			return
		}
		if _, err := file.Rebuild(); err != nil {
			t.Fatalf("Rebuild on an in-memory region: %v", err)
		}
		count := file.Header().IndexCount
		for s := range int32(slots) {
			if v := file.rawSlot(s); v < 0 || v >= count {
				t.Fatalf("slot %d = %d after Rebuild, indexCount %d", s, v, count)
			}
		}
		if n, err := file.Rebuild(); n != 0 || err != nil {
			t.Fatalf("second Rebuild changed %d slots, %v", n, err)
		}
		for h := range int32(8) {
			got, err := file.Lookup(nil, h, -1<<62, 1<<62, 100)
			if err != nil || len(got) > entries {
				t.Fatalf("lookup returned %d offsets from %d entries, %v", len(got), entries, err)
			}
			file.Has(h, 0)
		}
		file.Cache()
		file.Put(5, 99, 5000)
		file.Truncate(50)
		file.FlushSlots()
	})
}
