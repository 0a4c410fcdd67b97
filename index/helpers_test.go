package index

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const testLogSegment = 128 << 10

func openLog(tb testing.TB, dir string) *mmapstore.CommitLog {
	tb.Helper()
	l, err := mmapstore.Open(mmapstore.Config{StorePathRootDir: dir, MappedFileSizeCommitLog: testLogSegment, MaxMessageSize: 8 << 10, Logger: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

// testConfig uses small files: 1024-entry queue segments, 64-slot,
// 256-entry index files.
func testConfig(dir string, log *mmapstore.CommitLog) Config {
	return Config{Dir: dir, Log: log, SegmentBytes: 20480, IndexSlots: 64, IndexEntries: 256,
		FlushInterval: time.Hour, Logger: quiet}
}

func openStore(tb testing.TB, cfg Config) *Store {
	tb.Helper()
	s, err := Open(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

type msg struct {
	topic   string
	queueID int32
	tags    string
	keys    string
	uniq    string
	sysFlag int32
	body    string
}

func (m msg) stored() *protocol.StoredMessage {
	var props []byte
	if m.tags != "" {
		props = protocol.AppendProperty(props, protocol.PropertyTags, m.tags)
	}
	if m.keys != "" {
		props = protocol.AppendProperty(props, protocol.PropertyKeys, m.keys)
	}
	if m.uniq != "" {
		props = protocol.AppendProperty(props, protocol.PropertyUniqKey, m.uniq)
	}
	return &protocol.StoredMessage{Topic: []byte(m.topic), QueueID: m.queueID, SysFlag: m.sysFlag,
		Body: []byte(m.body), Properties: props, BornHost: []byte{127, 0, 0, 1, 0, 0, 0x27, 0x10},
		BornTimestamp: 1}
}

// appendMsg appends m and returns its commit-log offset and record size.
func appendMsg(tb testing.TB, l *mmapstore.CommitLog, m msg) (int64, int32) {
	tb.Helper()
	sm := m.stored()
	if err := l.Append(sm, nil); err != nil {
		tb.Fatal(err)
	}
	return sm.PhysicalOffset, int32(sm.Size())
}

// waitDispatched polls until the store has dispatched everything the log
// confirmed, or fails after a deadline.
func waitDispatched(tb testing.TB, s *Store, l *mmapstore.CommitLog) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.DispatchedOffset() < l.ConfirmedOffset() {
		if time.Now().After(deadline) {
			tb.Fatalf("dispatched %d, confirmed %d after 10 s", s.DispatchedOffset(), l.ConfirmedOffset())
		}
		time.Sleep(time.Millisecond) // polling with a deadline, not waiting for a guess
	}
}

func mustQueue(tb testing.TB, s *Store, topic string, id int32) *ConsumeQueue {
	tb.Helper()
	q := s.Queue(topic, id)
	if q == nil {
		tb.Fatalf("no queue %s/%d", topic, id)
	}
	return q
}

func entries(tb testing.TB, q *ConsumeQueue) []Entry {
	tb.Helper()
	var out []Entry
	for i := q.MinOffset(); i < q.MaxOffset(); {
		var err error
		n := len(out)
		out, err = q.ReadEntries(out, i, 1<<20)
		if err != nil {
			tb.Fatal(err)
		}
		i += int64(len(out) - n)
	}
	return out
}

var timeNow = time.Now
