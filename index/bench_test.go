package index

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/fastmq/fastmq/index/internal/idxfile"
	"github.com/fastmq/fastmq/protocol"
)

func benchQueue(b *testing.B) *ConsumeQueue {
	b.Helper()
	q, err := openConsumeQueue(b.TempDir(), "T", 0, segmentBytesDefault, nil, quiet)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { q.close() })
	return q
}

func BenchmarkConsumeQueueAppend(b *testing.B) {
	q := benchQueue(b)
	b.ReportAllocs()
	b.SetBytes(EntrySize)
	var i int64
	for b.Loop() {
		if _, err := q.put(Entry{PhyOffset: i * 200, Size: 200, TagsCode: 7}, i); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func filledQueue(b *testing.B, n int64) *ConsumeQueue {
	b.Helper()
	q := benchQueue(b)
	for i := range n {
		if _, err := q.put(Entry{PhyOffset: i * 200, Size: 200}, i); err != nil {
			b.Fatal(err)
		}
	}
	return q
}

func BenchmarkConsumeQueueEntry(b *testing.B) {
	const n = 1 << 18
	q := filledQueue(b, n)
	b.ReportAllocs()
	b.SetBytes(EntrySize)
	var i int64
	for b.Loop() {
		if _, err := q.Entry(i & (n - 1)); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

func BenchmarkConsumeQueueReadEntries(b *testing.B) {
	const n = 1 << 18
	q := filledQueue(b, n)
	dst := make([]Entry, 0, 32)
	b.ReportAllocs()
	b.SetBytes(32 * EntrySize)
	var i int64
	for b.Loop() {
		var err error
		if dst, err = q.ReadEntries(dst[:0], i&(n-1), 32); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

// BenchmarkDispatch measures the dispatcher's per-record work (decode, tags
// code, consume-queue append, unique key and two keys into the index) on a
// record built in memory, and the batch end every 1024 records.
func BenchmarkDispatch(b *testing.B) {
	dir := b.TempDir()
	l := openLog(b, dir)
	cfg := testConfig(dir, l)
	cfg.IndexSlots, cfg.IndexEntries = idxfile.DefaultSlots, idxfile.DefaultEntries
	s, err := openStopped(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.closeStopped() })
	m := msg{topic: "TopicTest", queueID: 1, tags: "TagA", keys: "order-1 user-2",
		uniq: "AC11000100002A9F0000000000000001", body: string(make([]byte, 100))}.stored()
	m.StoreHost = m.BornHost
	rec := protocol.AppendStoredMessage(nil, m)
	b.ReportAllocs()
	b.SetBytes(int64(len(rec)))
	var i int64
	for b.Loop() {
		binary.BigEndian.PutUint64(rec[20:], uint64(i)) // QUEUEOFFSET
		s.dispatchRecord(rec, i*int64(len(rec)))
		if i&1023 == 1023 {
			s.endBatch()
		}
		i++
	}
	s.endBatch()
}

func benchKeyIndex(b *testing.B) *keyIndex {
	b.Helper()
	k, err := openKeyIndex(filepath.Join(b.TempDir(), "index"), idxfile.DefaultSlots, idxfile.DefaultEntries, 0, true, quiet, timeNow, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { k.close() })
	return k
}

func BenchmarkKeyIndexPut(b *testing.B) {
	k := benchKeyIndex(b)
	topic := []byte("TopicTest")
	key := make([]byte, 0, 16)
	b.ReportAllocs()
	b.SetBytes(idxfile.EntrySize)
	var i int64
	for b.Loop() {
		key = binary.BigEndian.AppendUint64(key[:0], uint64(i))
		if err := k.putMessage(topic, nil, key, i*200, 1_700_000_000_000+i); err != nil {
			b.Fatal(err)
		}
		if i&1023 == 1023 { // the dispatcher publishes once per batch
			if err := k.publish(); err != nil {
				b.Fatal(err)
			}
		}
		i++
	}
}

func BenchmarkKeyIndexQuery(b *testing.B) {
	const n = 100_000
	k := benchKeyIndex(b)
	topic := []byte("TopicTest")
	for i := range int64(n) {
		k.putMessage(topic, nil, []byte(fmt.Sprint("key-", i%(n/4))), i*200, 1_700_000_000_000+i)
	}
	k.publish()
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = []byte(fmt.Sprint("key-", i*7))
	}
	dst := make([]int64, 0, 64)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		res, err := k.query(dst[:0], topic, keys[i&1023], 0, 1<<62, 32)
		if err != nil || len(res.PhyOffsets) != 4 {
			b.Fatalf("%d hits, %v", len(res.PhyOffsets), err)
		}
		i++
	}
}
