package index

import (
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

// TestDispatchAllocatesNothing fixes the steady dispatch path at zero
// allocations per message: decode, tags code, consume-queue append, unique
// key and two keys into the index, Arrived, header publication.
func TestDispatchAllocatesNothing(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	cfg := testConfig(dir, l)
	cfg.IndexEntries = 1 << 12
	arrived := 0
	cfg.Arrived = func(*ConsumeQueue, int64) { arrived++ }
	s, err := openStopped(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeStopped()
	m := msg{topic: "TopicTest", queueID: 3, tags: "TagA", keys: "order-1 user-2", uniq: "AC11000100002A9F0000000000000001", body: "body"}
	tmpl := *m.stored()
	var sm protocol.StoredMessage
	appendOne := func() {
		sm = tmpl // Append fills in offsets and sizes; start from the template
		if err := l.Append(&sm, nil); err != nil {
			t.Fatal(err)
		}
	}
	dispatch := func() {
		s.dispatchBatch()
		s.endBatch()
	}
	appendOne()
	dispatch()
	if n := testing.AllocsPerRun(100, appendOne); n != 0 {
		t.Logf("commit-log Append allocates %v per message (not index's)", n)
	}
	s.dispatchBatch()
	s.endBatch()
	if n := testing.AllocsPerRun(200, func() { appendOne(); dispatch() }); n != 0 {
		t.Fatalf("append+dispatch allocates %v per message", n)
	}
	if q := s.Queue("TopicTest", 3); q == nil || q.MaxOffset() < 300 || arrived < 200 {
		t.Fatalf("dispatch did not happen: queue %v, arrived %d", q, arrived)
	}
}
