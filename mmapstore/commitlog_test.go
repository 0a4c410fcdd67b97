package mmapstore

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

const testLogSegSize = 1 << 20

func testConfig(t testing.TB, flush FlushDiskType) Config {
	return Config{
		StorePathRootDir:        t.TempDir(),
		MappedFileSizeCommitLog: testLogSegSize,
		MaxMessageSize:          256 << 10,
		FlushDiskType:           flush,
		StoreHost:               netip.MustParseAddrPort("192.168.1.2:10911"),
	}
}

func openTestLog(t testing.TB, cfg Config) *CommitLog {
	t.Helper()
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// testMessage builds message i of a deterministic stream.
func testMessage(i int, bodySize int) protocol.StoredMessage {
	body := bytes.Repeat([]byte{byte('a' + i%26)}, bodySize)
	copy(body, fmt.Sprintf("msg-%d-", i))
	return protocol.StoredMessage{
		QueueID:       int32(i % 4),
		Flag:          int32(i),
		BornTimestamp: 1700000000000 + int64(i),
		BornHost:      protocol.AppendHost(nil, netip.MustParseAddrPort("10.0.0.1:5000")),
		Topic:         []byte("TopicTest"),
		Body:          body,
		Properties:    protocol.AppendProperty(nil, protocol.PropertyTags, "TagA"),
	}
}

// checkStored reads the record at m.PhysicalOffset and compares it with m.
func checkStored(t testing.TB, l *CommitLog, m *protocol.StoredMessage) {
	t.Helper()
	v, err := l.Read(m.PhysicalOffset)
	if err != nil {
		t.Fatalf("read %d: %v", m.PhysicalOffset, err)
	}
	defer v.Release()
	var d protocol.StoredMessage
	if err := protocol.DecodeStoredMessage(v.Bytes(), &d); err != nil {
		t.Fatalf("decode at %d: %v", m.PhysicalOffset, err)
	}
	if !bytes.Equal(d.Body, m.Body) || d.QueueOffset != m.QueueOffset || d.QueueID != m.QueueID ||
		d.PhysicalOffset != m.PhysicalOffset || d.StoreTimestamp != m.StoreTimestamp || !protocol.VerifyBodyCRC(&d) {
		t.Fatalf("record at %d differs: got qoff=%d qid=%d phy=%d", m.PhysicalOffset, d.QueueOffset, d.QueueID, d.PhysicalOffset)
	}
}

func TestCommitLogRoundTripAcrossRollover(t *testing.T) {
	for _, pwrite := range []bool{false, true} {
		for _, flush := range []FlushDiskType{AsyncFlush, SyncFlush} {
			t.Run(fmt.Sprintf("pwrite=%v,flush=%d", pwrite, flush), func(t *testing.T) {
				cfg := testConfig(t, flush)
				cfg.WriteWithMmap = !pwrite
				l := openTestLog(t, cfg)
				w := NewWaiter()
				var msgs []protocol.StoredMessage
				for i := range 900 { // ~3.5 segments of 1 MiB
					m := testMessage(i, 100+i*37%8000)
					if err := l.Append(&m, w.Done()); err != nil {
						t.Fatal(err)
					}
					if err := w.Wait(); err != nil {
						t.Fatal(err)
					}
					msgs = append(msgs, m)
				}
				batch := []protocol.StoredMessage{testMessage(1000, 500), testMessage(1004, 600), testMessage(1008, 700)}
				if err := l.AppendBatch(batch, w.Done()); err != nil {
					t.Fatal(err)
				}
				if err := w.Wait(); err != nil {
					t.Fatal(err)
				}
				for i := range batch {
					if batch[i].QueueOffset != batch[0].QueueOffset+int64(i) {
						t.Fatalf("batch queue offsets %d %d", batch[0].QueueOffset, batch[i].QueueOffset)
					}
					if i > 0 && batch[i].PhysicalOffset != batch[i-1].PhysicalOffset+int64(batch[i-1].TotalSize) {
						t.Fatal("batch records not contiguous")
					}
				}
				msgs = append(msgs, batch...)
				perQueue := map[int32]int64{}
				for i := range msgs {
					if want := perQueue[msgs[i].QueueID]; msgs[i].QueueOffset != want {
						t.Fatalf("message %d queue offset %d, want %d", i, msgs[i].QueueOffset, want)
					}
					perQueue[msgs[i].QueueID]++
					checkStored(t, l, &msgs[i])
				}
				if len(l.q.Segments()) < 4 {
					t.Fatalf("no rollover: segments %v", l.q.Segments())
				}
				// Every segment but the last ends with a blank record.
				for _, start := range l.q.Segments()[:len(l.q.Segments())-1] {
					v, err := l.q.viewRest(start, start+testLogSegSize)
					if err != nil {
						t.Fatal(err)
					}
					if !endsWithBlank(v.Bytes()) {
						t.Fatalf("segment %d does not end with a blank record", start)
					}
					v.Release()
				}
				n := scanAll(t, l, 0)
				if n != len(msgs) {
					t.Fatalf("scanned %d records, want %d", n, len(msgs))
				}
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				l2 := openTestLog(t, cfg)
				rep := l2.Recovery()
				if !rep.CleanShutdown || rep.TornAt != -1 || rep.End != msgs[len(msgs)-1].PhysicalOffset+int64(msgs[len(msgs)-1].TotalSize) {
					t.Fatalf("recovery report %+v", rep)
				}
				for i := range msgs {
					checkStored(t, l2, &msgs[i])
				}
				if got := l2.QueueOffset("TopicTest", 0); got != perQueue[0] {
					t.Fatalf("recovered queue offset %d, want %d", got, perQueue[0])
				}
			})
		}
	}
}

// endsWithBlank walks the records of one segment and reports whether it ends
// with a blank filler.
func endsWithBlank(seg []byte) bool {
	for pos := 0; pos < len(seg); {
		size, magic, ok := protocol.PeekRecordHeader(seg[pos:])
		if !ok || size <= 0 {
			return false
		}
		if magic == protocol.MagicBlank {
			return pos+int(size) == len(seg)
		}
		pos += int(size)
	}
	return false
}

func scanAll(t testing.TB, l *CommitLog, from int64) int {
	t.Helper()
	s := l.NewScanner(from)
	defer s.Close()
	n := 0
	var d protocol.StoredMessage
	for s.Next() {
		if err := protocol.DecodeStoredMessage(s.Record(), &d); err != nil || d.PhysicalOffset != s.Offset() {
			t.Fatalf("scanned record at %d: %v", s.Offset(), err)
		}
		n++
	}
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	return n
}

func TestCommitLogRefusesBadInput(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	f := func(name string, mut func(*protocol.StoredMessage), want error) {
		t.Run(name, func(t *testing.T) {
			m := testMessage(1, 10)
			mut(&m)
			before := l.MaxOffset()
			if err := l.Append(&m, nil); !errors.Is(err, want) {
				t.Fatalf("err = %v, want %v", err, want)
			}
			if l.MaxOffset() != before {
				t.Fatal("a refused message wrote bytes")
			}
		})
	}
	f("too-large", func(m *protocol.StoredMessage) { m.Body = make([]byte, 256<<10+1) }, ErrMessageTooLarge)
	f("empty-topic", func(m *protocol.StoredMessage) { m.Topic = nil }, protocol.ErrTopicEmpty)
	f("long-topic", func(m *protocol.StoredMessage) { m.Topic = bytes.Repeat([]byte("t"), 128) }, protocol.ErrTopicTooLong)
	f("bad-topic", func(m *protocol.StoredMessage) { m.Topic = []byte("a/b") }, protocol.ErrTopicChars)
	f("long-properties", func(m *protocol.StoredMessage) { m.Properties = make([]byte, 40000) }, protocol.ErrPropertiesTooLong)
	f("negative-queue-id", func(m *protocol.StoredMessage) { m.QueueID = -1 }, ErrQueueID)
	f("huge-queue-id", func(m *protocol.StoredMessage) { m.QueueID = MaxQueueID }, ErrQueueID)
	t.Run("batch-with-bad-queue-id", func(t *testing.T) {
		before := l.MaxOffset()
		msgs := []protocol.StoredMessage{testMessage(0, 10), testMessage(0, 10)}
		msgs[0].QueueID, msgs[1].QueueID = -5, -5
		if err := l.AppendBatch(msgs, nil); !errors.Is(err, ErrQueueID) {
			t.Fatalf("err = %v, want ErrQueueID", err)
		}
		if l.MaxOffset() != before {
			t.Fatal("a refused batch wrote bytes")
		}
	})
	// The limits themselves are accepted.
	m := testMessage(0, 10)
	m.Topic = bytes.Repeat([]byte("t"), protocol.MaxTopicLength)
	m.Properties = make([]byte, protocol.MaxPropertiesLength)
	m.QueueID = MaxQueueID - 1
	if err := l.Append(&m, nil); err != nil {
		t.Fatalf("message at every limit refused: %v", err)
	}
}

func TestCommitLogAppendDoesNotAllocate(t *testing.T) {
	for _, flush := range []FlushDiskType{AsyncFlush, SyncFlush} {
		l := openTestLog(t, testConfig(t, flush))
		m := testMessage(1, 1000)
		w := NewWaiter()
		done := w.Done()
		// Warm the queue-offset table and the group-commit arrays.
		for range 10 {
			if err := l.Append(&m, done); err != nil {
				t.Fatal(err)
			}
			w.Wait()
		}
		allocs := testing.AllocsPerRun(200, func() {
			m.StoreHost = nil
			if err := l.Append(&m, done); err != nil {
				t.Fatal(err)
			}
			w.Wait()
		})
		if allocs != 0 {
			t.Fatalf("flush=%d: Append allocates %v per message", flush, allocs)
		}
	}
}

func TestCommitLogOffsetMsgID(t *testing.T) {
	l := openTestLog(t, testConfig(t, AsyncFlush))
	m := testMessage(0, 10)
	m2 := testMessage(1, 10)
	if err := l.Append(&m, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(&m2, nil); err != nil {
		t.Fatal(err)
	}
	id := l.AppendOffsetMsgID(nil, m2.PhysicalOffset)
	want := fmt.Sprintf("C0A8010200002A9F%016X", m2.PhysicalOffset)
	if string(id) != want {
		t.Fatalf("id %s, want %s", id, want)
	}
}

var _ = os.Remove
var _ = filepath.Join
var _ = time.Second

// Close drops the log's references but a View held across it stays valid
// until released; only then is the mapping removed. Appends and reads
// after Close fail cleanly.
func TestCommitLogCloseWithOutstandingView(t *testing.T) {
	var mu sync.Mutex
	unmapped := map[int64]bool{}
	cfg := testConfig(t, SyncFlush).withUnmapHook(func(s int64) { mu.Lock(); unmapped[s] = true; mu.Unlock() })
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage(0, 500)
	w := NewWaiter()
	if err := l.Append(&m, w.Done()); err != nil || w.Wait() != nil {
		t.Fatal("append failed")
	}
	v, err := l.Read(m.PhysicalOffset)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(v.Bytes())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if unmapped[0] {
		t.Fatal("segment unmapped by Close while a view holds it")
	}
	mu.Unlock()
	if !bytes.Equal(v.Bytes(), want) {
		t.Fatal("view changed across Close")
	}
	v.Release()
	mu.Lock()
	if !unmapped[0] {
		t.Fatal("segment not unmapped after the last view was released")
	}
	mu.Unlock()
	m2 := testMessage(1, 10)
	if err := l.Append(&m2, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after Close: %v", err)
	}
	if _, err := l.Read(m.PhysicalOffset); err == nil {
		t.Fatal("read after Close succeeded")
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
