package index

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/mmapstore"
)

// snapshot returns every queue's entries, keyed topic/queue.
func snapshot(tb testing.TB, s *Store) map[string][]Entry {
	tb.Helper()
	out := map[string][]Entry{}
	s.Queues(func(q *ConsumeQueue) bool {
		out[fmt.Sprintf("%s/%d", q.Topic(), q.QueueID())] = entries(tb, q)
		return true
	})
	return out
}

func equalSnapshots(a, b map[string][]Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func fill(tb testing.TB, l *mmapstore.CommitLog, n int) {
	tb.Helper()
	for i := range n {
		appendMsg(tb, l, msg{topic: fmt.Sprint("T", i%3), queueID: int32(i % 2), tags: "t", keys: fmt.Sprintf("k%04d", i)})
	}
}

func TestRecoverRebuildsDeletedConsumeQueues(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	fill(t, l, 1500)
	s := openStore(t, testConfig(dir, l))
	waitDispatched(t, s, l)
	want := snapshot(t, s)
	s.Close()
	if err := os.RemoveAll(filepath.Join(dir, "consumequeue")); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, testConfig(dir, l))
	if got := snapshot(t, s2); !equalSnapshots(got, want) {
		t.Fatalf("rebuilt queues differ")
	}
	res, err := s2.QueryKey(nil, "T1", "k0001", 0, 1<<62, 10)
	if err != nil || len(res.PhyOffsets) != 1 {
		t.Fatalf("key after rebuild: %v %v (must not be indexed twice)", res.PhyOffsets, err)
	}
}

func TestRecoverAcrossLogReopen(t *testing.T) {
	dir := t.TempDir()
	l, err := mmapstore.Open(mmapstore.Config{StorePathRootDir: dir, MappedFileSizeCommitLog: testLogSegment, MaxMessageSize: 8 << 10, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, l, 700)
	s, err := Open(testConfig(dir, l))
	if err != nil {
		t.Fatal(err)
	}
	waitDispatched(t, s, l)
	want := snapshot(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openLog(t, dir)
	s2 := openStore(t, testConfig(dir, l2))
	if got := snapshot(t, s2); !equalSnapshots(got, want) {
		t.Fatal("queues differ after a clean reopen")
	}
	// The log's queue offsets continue from the queues.
	appendMsg(t, l2, msg{topic: "T0", queueID: 0})
	waitDispatched(t, s2, l2)
	q := mustQueue(t, s2, "T0", 0)
	if got, want := q.MaxOffset(), int64(len(want["T0/0"])+1); got != want {
		t.Fatalf("T0/0 max %d, want %d", got, want)
	}
}

// TestRecoverCutsEntriesPastLogEnd gives a store derived files built from a
// longer log than the one it opens: the consume queues and the index must
// drop what points past the log's end, and queue offsets continue from
// the log.
func TestRecoverCutsEntriesPastLogEnd(t *testing.T) {
	long, short := t.TempDir(), t.TempDir()
	add := func(l *mmapstore.CommitLog, i int) int64 {
		p, _ := appendMsg(t, l, msg{topic: "T", keys: fmt.Sprintf("k%02d", i), body: "same size"})
		return p
	}
	ll := openLog(t, long)
	var phys []int64
	for i := range 10 {
		phys = append(phys, add(ll, i))
	}
	sl := openStore(t, testConfig(long, ll))
	waitDispatched(t, sl, ll)
	sl.Close()
	ls := openLog(t, short)
	for i := range 5 {
		if p := add(ls, i); p != phys[i] {
			t.Fatalf("test setup: message %d at %d in the short log, %d in the long", i, p, phys[i])
		}
	}
	for _, d := range []string{"consumequeue", "index"} {
		if err := os.CopyFS(filepath.Join(short, d), os.DirFS(filepath.Join(long, d))); err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, testConfig(short, ls))
	q := mustQueue(t, s, "T", 0)
	if q.MaxOffset() != 5 {
		t.Fatalf("max offset %d, want 5", q.MaxOffset())
	}
	for _, e := range entries(t, q) {
		if e.End() > ls.MaxOffset() {
			t.Fatalf("entry %+v past the log end %d", e, ls.MaxOffset())
		}
	}
	for i, want := range []int{1, 1, 1, 1, 1, 0, 0, 0, 0, 0} {
		res, err := s.QueryKey(nil, "T", fmt.Sprintf("k%02d", i), 0, 1<<62, 10)
		if err != nil || len(res.PhyOffsets) != want {
			t.Errorf("k%02d: %v (%v), want %d hits", i, res.PhyOffsets, err, want)
		}
	}
	if got := ls.QueueOffset("T", 0); got != 5 {
		t.Fatalf("log's next queue offset %d, want 5", got)
	}
	p := add(ls, 5)
	waitDispatched(t, s, ls)
	if e, err := q.Entry(5); err != nil || e.PhyOffset != p {
		t.Fatalf("entry 5 = %+v, %v; want offset %d", e, err, p)
	}
	res, _ := s.QueryKey(nil, "T", "k05", 0, 1<<62, 10)
	if !slices.Equal(res.PhyOffsets, []int64{p}) {
		t.Fatalf("k05 after re-append: %v, want [%d]", res.PhyOffsets, p)
	}
}

// zeroQueueTail zeroes the last n entries of a queue's newest segment file,
// as if their pages never reached the disk.
func zeroQueueTail(tb testing.TB, dir string, n int) {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	slices.Sort(files)
	f, err := os.OpenFile(files[len(files)-1], os.O_RDWR, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 20480)
	f.ReadAt(buf, 0)
	end := validPrefix(buf, 1<<62) * EntrySize
	if _, err := f.WriteAt(make([]byte, n*EntrySize), int64(end-n*EntrySize)); err != nil {
		tb.Fatal(err)
	}
}

func TestRecoverRefillsLostConsumeQueueTail(t *testing.T) {
	for _, unclean := range []bool{false, true} {
		t.Run(fmt.Sprint("unclean=", unclean), func(t *testing.T) {
			dir := t.TempDir()
			l, err := mmapstore.Open(mmapstore.Config{StorePathRootDir: dir, MappedFileSizeCommitLog: testLogSegment, MaxMessageSize: 8 << 10, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			fill(t, l, 1200)
			s, err := Open(testConfig(dir, l))
			if err != nil {
				t.Fatal(err)
			}
			waitDispatched(t, s, l)
			want := snapshot(t, s)
			s.Close()
			l.Close()
			// T0/0 is the queue with the newest entry; T1/1 is behind it.
			zeroQueueTail(t, filepath.Join(dir, "consumequeue", "T1", "1"), 5)
			if unclean {
				os.WriteFile(filepath.Join(dir, "abort"), []byte("1"), 0o644)
				zeroQueueTail(t, filepath.Join(dir, "consumequeue", "T0", "0"), 3)
			} else {
				zeroQueueTail(t, filepath.Join(dir, "consumequeue", "T2", "1"), 1)
			}
			l2 := openLog(t, dir)
			s2 := openStore(t, testConfig(dir, l2))
			got := snapshot(t, s2)
			if unclean && !equalSnapshots(got, want) {
				t.Fatal("entries lost behind the newest queue were not re-dispatched after an unclean stop")
			}
			if !unclean && !slices.Equal(got["T2/1"], want["T2/1"]) {
				t.Fatalf("T2/1 (the newest entry's queue) not refilled: %d entries, want %d", len(got["T2/1"]), len(want["T2/1"]))
			}
		})
	}
}

// TestRetentionOfTheLogDeletesDerivedFiles lets commit-log retention delete
// segments and checks that the flusher notices the risen minimum offset,
// moves the queue's min offset up to it and deletes the index files that
// end below it. (Consume-queue segment deletion is TestDeleteBeforeMovesMinOffset.)
func TestRetentionOfTheLogDeletesDerivedFiles(t *testing.T) {
	dir := t.TempDir()
	var hours []string
	for h := range 24 {
		hours = append(hours, fmt.Sprint(h))
	}
	l, err := mmapstore.Open(mmapstore.Config{StorePathRootDir: dir, MappedFileSizeCommitLog: testLogSegment,
		MaxMessageSize: 8 << 10, FileReservedTime: 1, DeleteWhen: strings.Join(hours, ";"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	cfg := testConfig(dir, l)
	cfg.FlushInterval = time.Millisecond
	cfg.IndexEntries = 64
	s := openStore(t, cfg)
	body := strings.Repeat("x", 1000)
	for i := range 600 { // about 5 log segments
		appendMsg(t, l, msg{topic: "T", body: body, keys: fmt.Sprint("k", i)})
	}
	waitDispatched(t, s, l)
	if n, err := l.DeleteExpired(); err != nil || n == 0 {
		t.Fatalf("log retention deleted %d segments, %v", n, err)
	}
	q := mustQueue(t, s, "T", 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, err := q.Entry(q.MinOffset())
		if err == nil && e.PhyOffset >= l.MinOffset() && q.MinOffset() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue min offset %d (entry %+v, %v) never caught up with log min %d", q.MinOffset(), e, err, l.MinOffset())
		}
		time.Sleep(time.Millisecond)
	}
	if prev, err := q.Entry(q.MinOffset() - 1); err == nil {
		t.Fatalf("entry below the min offset still readable: %+v", prev)
	}
	res, err := s.QueryKey(nil, "T", "k0", 0, 1<<62, 10)
	if err != nil || len(res.PhyOffsets) != 0 {
		t.Fatalf("k0 of a deleted segment still indexed: %v %v", res.PhyOffsets, err)
	}
}

// TestUncleanStopRebuildsIndexSlots zeroes the slot table of the newest
// index file, as if its slot pages had not been written before a crash,
// and checks that an unclean reopen finds every key again.
func TestUncleanStopRebuildsIndexSlots(t *testing.T) {
	dir := t.TempDir()
	l, err := mmapstore.Open(mmapstore.Config{StorePathRootDir: dir, MappedFileSizeCommitLog: testLogSegment, MaxMessageSize: 8 << 10, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var phys []int64
	for i := range 100 {
		p, _ := appendMsg(t, l, msg{topic: "T", keys: fmt.Sprint("k", i)})
		phys = append(phys, p)
	}
	s, err := Open(testConfig(dir, l))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	l.Close()
	names, _ := filepath.Glob(filepath.Join(dir, "index", "*"))
	slices.Sort(names)
	f, err := os.OpenFile(names[len(names)-1], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(make([]byte, 64*4), 40) // testConfig: 64 slots after the 40-byte header
	f.Close()
	os.WriteFile(filepath.Join(dir, "abort"), []byte("1"), 0o644)
	l2 := openLog(t, dir)
	s2 := openStore(t, testConfig(dir, l2))
	for i := range 100 {
		res, err := s2.QueryKey(nil, "T", fmt.Sprint("k", i), 0, 1<<62, 10)
		if err != nil || !slices.Equal(res.PhyOffsets, []int64{phys[i]}) {
			t.Fatalf("k%d after unclean reopen: %v %v, want [%d]", i, res.PhyOffsets, err, phys[i])
		}
	}
}
