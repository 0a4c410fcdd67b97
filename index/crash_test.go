package index

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/protocol"
)

const crashChildEnv = "FASTMQ_INDEX_CRASH_CHILD"

// TestCrashChild is the child of TestKillNineRecovers: it appends and
// dispatches until killed, printing how many messages it appended.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("child of TestKillNineRecovers")
	}
	l, err := mmapstore.Open(mmapstore.Config{StorePathRootDir: dir, MappedFileSizeCommitLog: testLogSegment, MaxMessageSize: 8 << 10, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(dir, l)
	cfg.FlushInterval = 5 * time.Millisecond
	cfg.IndexEntries = 512
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_ = s
	base := l.MaxOffset()
	for i := 0; ; i++ {
		appendMsg(t, l, msg{topic: fmt.Sprint("T", i%3), queueID: int32(i % 4), tags: "t",
			keys: fmt.Sprintf("c%d-%d", base, i)})
		if i%100 == 99 {
			fmt.Println(i + 1)
		}
	}
}

// TestKillNineRecovers kills a process that appends and dispatches, then
// checks that reopening gives every record in the log its consume-queue
// entry at its queue offset and its key in the index, and nothing more.
// FASTMQ_CRASH_CYCLES sets the number of kill/reopen cycles (default 2).
func TestKillNineRecovers(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the child")
	}
	cycles := 2
	if n, err := strconv.Atoi(os.Getenv("FASTMQ_CRASH_CYCLES")); err == nil && n > 0 {
		cycles = n
	}
	dir := t.TempDir()
	for c := range cycles {
		killChildAfter(t, dir, 300+100*c)
		verifyAgainstLog(t, dir)
	}
}

// killChildAfter starts the child and kills it with SIGKILL once it has
// appended at least n messages.
func killChildAfter(t *testing.T, dir string, n int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if k, err := strconv.Atoi(sc.Text()); err == nil && k >= n {
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
}

// verifyAgainstLog opens the store and checks it against a scan of the log.
func verifyAgainstLog(t *testing.T, dir string) {
	t.Helper()
	l, err := mmapstore.Open(mmapstore.Config{StorePathRootDir: dir, MappedFileSizeCommitLog: testLogSegment, MaxMessageSize: 8 << 10, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cfg := testConfig(dir, l)
	cfg.IndexEntries = 512
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	counts := map[string]int64{}
	sc := l.NewScanner(l.MinOffset())
	defer sc.Close()
	var m protocol.StoredMessage
	records := 0
	for sc.Next() {
		if err := protocol.DecodeStoredMessage(sc.Record(), &m); err != nil {
			t.Fatal(err)
		}
		records++
		q := mustQueue(t, s, string(m.Topic), m.QueueID)
		e, err := q.Entry(m.QueueOffset)
		if err != nil || e.PhyOffset != sc.Offset() || e.Size != m.TotalSize {
			t.Fatalf("record at %d (%s/%d #%d): entry %+v, %v", sc.Offset(), m.Topic, m.QueueID, m.QueueOffset, e, err)
		}
		counts[fmt.Sprintf("%s/%d", m.Topic, m.QueueID)]++
		key, _ := protocol.PropertyValue(m.Properties, protocol.PropertyKeys)
		res, err := s.QueryKey(nil, string(m.Topic), string(key), 0, 1<<62, 10)
		if err != nil || len(res.PhyOffsets) != 1 || res.PhyOffsets[0] != sc.Offset() {
			t.Fatalf("key %s of the record at %d: %v, %v", key, sc.Offset(), res.PhyOffsets, err)
		}
	}
	if sc.Err() != nil {
		t.Fatal(sc.Err())
	}
	s.Queues(func(q *ConsumeQueue) bool {
		if want := counts[fmt.Sprintf("%s/%d", q.Topic(), q.QueueID())]; q.MaxOffset() != want {
			t.Errorf("%s/%d: max offset %d, %d records in the log", q.Topic(), q.QueueID(), q.MaxOffset(), want)
		}
		return true
	})
	if records == 0 {
		t.Fatal("the child appended nothing")
	}
}
