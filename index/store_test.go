package index

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

func TestDispatchBuildsConsumeQueueEntries(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	s := openStore(t, testConfig(dir, l))
	var want = map[string][]Entry{}
	for i := range 30 {
		m := msg{topic: "TopicA", queueID: int32(i % 3), tags: "TagA", body: "hello"}
		if i%5 == 0 {
			m.topic, m.tags = "TopicB", ""
		}
		phy, size := appendMsg(t, l, m)
		k := fmt.Sprintf("%s/%d", m.topic, m.queueID)
		want[k] = append(want[k], Entry{PhyOffset: phy, Size: size, TagsCode: TagsCodeOf(m.stored().Properties)})
	}
	waitDispatched(t, s, l)
	for k, w := range want {
		var topic string
		var id int32
		fmt.Sscanf(k, "%6s/%d", &topic, &id)
		q := mustQueue(t, s, topic, id)
		if got := entries(t, q); !slices.Equal(got, w) {
			t.Errorf("%s: entries %v, want %v", k, got, w)
		}
		if q.MinOffset() != 0 || q.MaxOffset() != int64(len(w)) {
			t.Errorf("%s: min %d max %d, want 0 %d", k, q.MinOffset(), q.MaxOffset(), len(w))
		}
	}
	if e := entries(t, mustQueue(t, s, "TopicA", 1))[0]; e.TagsCode != 2598919 {
		t.Errorf("tags code %d, want \"TagA\".hashCode() = 2598919", e.TagsCode)
	}
}

func TestDispatchSkipsPreparedAndRollbackInQueues(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	s := openStore(t, testConfig(dir, l))
	for _, c := range []struct {
		flag int32
		key  string
	}{{protocol.SysFlagTransactionPrep, "prep"}, {protocol.SysFlagTransactionRollbk, "rollback"},
		{protocol.SysFlagTransactionCommit, "commit"}, {protocol.SysFlagTransactionNot, "plain"}} {
		appendMsg(t, l, msg{topic: "Tx", sysFlag: c.flag, keys: c.key})
	}
	waitDispatched(t, s, l)
	if got := mustQueue(t, s, "Tx", 0).MaxOffset(); got != 2 {
		t.Fatalf("queue has %d entries, want 2 (commit and plain only)", got)
	}
	for key, want := range map[string]int{"prep": 1, "rollback": 0, "commit": 1, "plain": 1} {
		res, err := s.QueryKey(nil, "Tx", key, 0, 1<<62, 10)
		if err != nil || len(res.PhyOffsets) != want {
			t.Errorf("key %s: %v hits (%v), want %d", key, res.PhyOffsets, err, want)
		}
	}
}

func TestQueryKeyFindsUniqueKeyAndEveryKey(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	s := openStore(t, testConfig(dir, l))
	p1, _ := appendMsg(t, l, msg{topic: "T", keys: "order-1 user-7", uniq: "AC11000100002A9F0000000000000001"})
	p2, _ := appendMsg(t, l, msg{topic: "T", keys: "order-2  user-7"})
	p3, _ := appendMsg(t, l, msg{topic: "U", keys: "user-7"})
	waitDispatched(t, s, l)
	q := func(topic, key string, want ...int64) {
		t.Helper()
		res, err := s.QueryKey(nil, topic, key, 0, 1<<62, 32)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.PhyOffsets, want) {
			t.Errorf("%s#%s: %v, want %v", topic, key, res.PhyOffsets, want)
		}
		if res.LastUpdatePhyOffset != p3 {
			t.Errorf("last update offset %d, want %d", res.LastUpdatePhyOffset, p3)
		}
	}
	q("T", "user-7", p2, p1)
	q("T", "order-1", p1)
	q("T", "AC11000100002A9F0000000000000001", p1)
	q("U", "user-7", p3)
	q("T", "absent")
	res, _ := s.QueryKey(nil, "T", "user-7", 0, 1<<62, 1)
	if len(res.PhyOffsets) != 1 {
		t.Errorf("max 1: %v", res.PhyOffsets)
	}
	res, _ = s.QueryKey(nil, "T", "user-7", 0, 1000, 32)
	if len(res.PhyOffsets) != 0 {
		t.Errorf("time range before the messages: %v", res.PhyOffsets)
	}
}

func TestKeyIndexRollsToNewFiles(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	cfg := testConfig(dir, l)
	cfg.IndexEntries = 8 // 7 keys per file
	s := openStore(t, cfg)
	var phys []int64
	for i := range 30 {
		p, _ := appendMsg(t, l, msg{topic: "T", keys: "same", uniq: fmt.Sprint("u", i)})
		phys = append(phys, p)
	}
	waitDispatched(t, s, l)
	res, err := s.QueryKey(nil, "T", "same", 0, 1<<62, 100)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(phys)
	if !slices.Equal(res.PhyOffsets, phys) {
		t.Fatalf("hits across files %v, want %v", res.PhyOffsets, phys)
	}
	if n := len(s.keys.files); n < 8 {
		t.Fatalf("%d index files for 60 keys at 7 per file", n)
	}
}

func TestArrivedOncePerQueuePerBatch(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	for range 10 { // dispatched by Open in one batch
		appendMsg(t, l, msg{topic: "T", queueID: 1})
	}
	var mu sync.Mutex
	var calls []int64
	cfg := testConfig(dir, l)
	cfg.Arrived = func(q *ConsumeQueue, max int64) {
		mu.Lock()
		calls = append(calls, max)
		mu.Unlock()
	}
	s := openStore(t, cfg)
	mu.Lock()
	if !slices.Equal(calls, []int64{10}) {
		t.Fatalf("Arrived calls %v, want one with 10", calls)
	}
	mu.Unlock()
	appendMsg(t, l, msg{topic: "T", queueID: 1})
	waitDispatched(t, s, l)
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	if calls[len(calls)-1] != 11 {
		t.Fatalf("last Arrived %v, want 11", calls)
	}
}

func TestReadEntriesStopsAtSegmentEnd(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	s := openStore(t, testConfig(dir, l))
	for range 2100 {
		appendMsg(t, l, msg{topic: "T"})
	}
	waitDispatched(t, s, l)
	q := mustQueue(t, s, "T", 0)
	got, err := q.ReadEntries(nil, 1000, 100)
	if err != nil || len(got) != 24 {
		t.Fatalf("ReadEntries from 1000: %d entries (%v), want 24 (segment of 1024 ends)", len(got), err)
	}
	got, _ = q.ReadEntries(got[:0], 1024, 100)
	if len(got) != 100 {
		t.Fatalf("next segment: %d", len(got))
	}
	if _, err := q.Entry(2100); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("Entry(max): %v", err)
	}
	all := entries(t, q)
	for i := 1; i < len(all); i++ {
		if all[i].PhyOffset != all[i-1].End() && all[i].PhyOffset%testLogSegment != 0 {
			t.Fatalf("entry %d at %d, previous ends at %d", i, all[i].PhyOffset, all[i-1].End())
		}
	}
	if len(all) != 2100 {
		t.Fatalf("%d entries", len(all))
	}
}

func TestOffsetByTimeMatchesLinearScan(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	s := openStore(t, testConfig(dir, l))
	for range 300 {
		appendMsg(t, l, msg{topic: "T", body: "0123456789012345678901234567890123456789"})
	}
	waitDispatched(t, s, l)
	q := mustQueue(t, s, "T", 0)
	var times []int64
	for i := range q.MaxOffset() {
		ts, err := q.storeTimeAt(i)
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, ts)
	}
	for _, ts := range []int64{0, times[0], times[0] + 1, times[150], times[299], times[299] + 1} {
		wantL, wantU := int64(len(times)), int64(0)
		for i := len(times) - 1; i >= 0; i-- {
			if times[i] >= ts {
				wantL = int64(i)
			}
		}
		for i := range times {
			if times[i] <= ts {
				wantU = int64(i)
			}
		}
		gotL, err1 := q.OffsetByTime(ts, BoundaryLower)
		gotU, err2 := q.OffsetByTime(ts, BoundaryUpper)
		if gotL != wantL || gotU != wantU || err1 != nil || err2 != nil {
			t.Errorf("ts %d: lower %d (want %d) upper %d (want %d) %v %v", ts, gotL, wantL, gotU, wantU, err1, err2)
		}
	}
}

func TestDeleteBeforeMovesMinOffset(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	s := openStore(t, testConfig(dir, l))
	for range 2500 {
		appendMsg(t, l, msg{topic: "T", keys: "k"})
	}
	waitDispatched(t, s, l)
	q := mustQueue(t, s, "T", 0)
	e1500, _ := q.Entry(1500)
	n, err := s.DeleteBefore(e1500.PhyOffset)
	if err != nil || n < 1 {
		t.Fatalf("DeleteBefore: %d files, %v", n, err)
	}
	if q.MinOffset() != 1500 || q.MaxOffset() != 2500 {
		t.Fatalf("min %d max %d, want 1500 2500", q.MinOffset(), q.MaxOffset())
	}
	if _, err := q.Entry(1000); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("Entry below min: %v", err)
	}
	if got := q.segs.Segments(); got[0] != 1024*EntrySize {
		t.Fatalf("segments %v: the first (entries 0-1023) should be gone, the second kept", got)
	}
	if e, err := q.Entry(1500); err != nil || e != e1500 {
		t.Fatalf("Entry(1500) = %v, %v", e, err)
	}
	// Deleted segments never synced do not stop the queue's flushes.
	if err := q.Flush(); err != nil || q.segs.FlushedOffset() != q.segs.WriteOffset() {
		t.Fatalf("flush after DeleteBefore: %v, flushed %d of %d", err, q.segs.FlushedOffset(), q.segs.WriteOffset())
	}
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	s := openStore(t, testConfig(dir, l))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteBefore(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("DeleteBefore after Close: %v", err)
	}
	if _, err := s.QueryKey(nil, "T", "k", 0, 1, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("QueryKey after Close: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	for _, c := range []Config{{}, {Dir: dir}, {Dir: dir, Log: l, SegmentBytes: 6_000_010}, {Dir: dir, Log: l, IndexEntries: 1}} {
		if _, err := Open(c); !errors.Is(err, errConfig) {
			t.Errorf("Open(%+v) = %v, want a config error", c, err)
		}
	}
}

func TestBadTopicGetsNoQueue(t *testing.T) {
	if validTopic([]byte("../x")) || validTopic(nil) || !validTopic([]byte("%RETRY%g-1|x_y")) {
		t.Fatal("topic charset")
	}
}

func TestTruncateDropsEntriesPastOffsetAndRedispatches(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	s, err := openStopped(testConfig(dir, l))
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeStopped()
	var phys []int64
	for i := range 10 {
		p, _ := appendMsg(t, l, msg{topic: "T", keys: fmt.Sprint("k", i)})
		phys = append(phys, p)
	}
	s.dispatchBatch()
	s.endBatch()
	hits := func(i int) []int64 {
		res, err := s.QueryKey(nil, "T", fmt.Sprint("k", i), 0, 1<<62, 10)
		if err != nil {
			t.Fatal(err)
		}
		return res.PhyOffsets
	}
	if err := s.truncate(phys[6]); err != nil {
		t.Fatal(err)
	}
	q := mustQueue(t, s, "T", 0)
	if q.MaxOffset() != 6 || s.DispatchedOffset() != phys[6] {
		t.Fatalf("after truncate: max offset %d dispatched %d, want 6 %d", q.MaxOffset(), s.DispatchedOffset(), phys[6])
	}
	for i := range 10 {
		if got := len(hits(i)); got != map[bool]int{true: 1, false: 0}[i < 6] {
			t.Fatalf("k%d: %d hits after truncate", i, got)
		}
	}
	s.dispatchBatch() // the log still holds the records: re-dispatch is exact
	s.endBatch()
	if q.MaxOffset() != 10 {
		t.Fatalf("max offset %d after re-dispatch, want 10", q.MaxOffset())
	}
	for i := range 10 {
		if got := hits(i); !slices.Equal(got, []int64{phys[i]}) {
			t.Fatalf("k%d: %v, want exactly [%d]", i, got, phys[i])
		}
	}
}

func TestTagsCodeHookSetsScheduleDeliveryTime(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	cfg := testConfig(dir, l)
	cfg.TagsCode = func(m *protocol.StoredMessage, def int64) int64 {
		if string(m.Topic) == "SCHEDULE_TOPIC_XXXX" {
			return m.StoreTimestamp + 5000 // level 3 = 10 s in RocketMQ; any delay will do here
		}
		return def
	}
	s := openStore(t, cfg)
	appendMsg(t, l, msg{topic: "SCHEDULE_TOPIC_XXXX", queueID: 2, tags: "TagA"})
	appendMsg(t, l, msg{topic: "Plain", tags: "TagA"})
	waitDispatched(t, s, l)
	e := entries(t, mustQueue(t, s, "SCHEDULE_TOPIC_XXXX", 2))[0]
	ts, err := storeTimestamp(l, e.PhyOffset)
	if err != nil || e.TagsCode != ts+5000 {
		t.Fatalf("schedule tags code %d, want store time %d + 5000 (%v)", e.TagsCode, ts, err)
	}
	if e := entries(t, mustQueue(t, s, "Plain", 0))[0]; e.TagsCode != 2598919 {
		t.Fatalf("plain tags code %d", e.TagsCode)
	}
}

// TestReadersDuringDispatch reads queues and queries keys while messages
// are appended and dispatched; run with -race.
func TestReadersDuringDispatch(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	cfg := testConfig(dir, l)
	cfg.IndexEntries = 64 // roll files while readers run
	cfg.BatchRecords = 16
	s := openStore(t, cfg)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []Entry
			for {
				select {
				case <-stop:
					return
				default:
				}
				if q := s.Queue("T", 0); q != nil && q.MaxOffset() > 0 {
					var err error
					dst, err = q.ReadEntries(dst[:0], q.MinOffset(), 32)
					if err != nil {
						t.Error(err)
						return
					}
				}
				if _, err := s.QueryKey(nil, "T", "hot", 0, 1<<62, 32); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 600 {
		appendMsg(t, l, msg{topic: "T", keys: fmt.Sprint("hot k", i)})
	}
	waitDispatched(t, s, l)
	close(stop)
	wg.Wait()
	res, err := s.QueryKey(nil, "T", "hot", 0, 1<<62, 1000)
	if err != nil || len(res.PhyOffsets) != 600 {
		t.Fatalf("%d hits for a key on every message, want 600 (%v)", len(res.PhyOffsets), err)
	}
}

func TestMessagesWithManyKeys(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	cfg := testConfig(dir, l)
	cfg.IndexSlots, cfg.IndexEntries = 4096, 1<<17
	s := openStore(t, cfg)
	var keys []string
	for i := range 3000 {
		keys = append(keys, fmt.Sprintf("k%04d", i))
	}
	var phys []int64
	for range 20 { // 60,000 entries: over a megabyte buffered in one batch
		p, _ := appendMsg(t, l, msg{topic: "T", keys: strings.Join(keys, " ")})
		phys = append(phys, p)
	}
	waitDispatched(t, s, l)
	slices.Reverse(phys)
	for _, k := range []string{"k0000", "k1500", "k2999"} {
		res, err := s.QueryKey(nil, "T", k, 0, 1<<62, 64)
		if err != nil || !slices.Equal(res.PhyOffsets, phys) {
			t.Fatalf("%s: %v %v, want %v", k, res.PhyOffsets, err, phys)
		}
	}
}
