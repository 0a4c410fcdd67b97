package client

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLocalOffsetsSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	mq0 := MessageQueue{Topic: "T", BrokerName: "b", QueueID: 0}
	mq1 := MessageQueue{Topic: "T", BrokerName: "b", QueueID: 1}
	s, err := newLocalOffsets(dir, "10.0.0.1@DEFAULT", "g")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.read(ctx, mq0); !errors.Is(err, errNoOffset) {
		t.Fatalf("fresh store read: %v", err)
	}
	s.update(mq0, 5, false)
	s.update(mq0, 3, false) // never backwards
	s.update(mq1, 9, false)
	if err := s.persist(ctx, []MessageQueue{mq0, mq1}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "10.0.0.1@DEFAULT", "g", "offsets.json")); err != nil {
		t.Fatal(err)
	}
	again, _ := newLocalOffsets(dir, "10.0.0.1@DEFAULT", "g")
	for mq, want := range map[MessageQueue]int64{mq0: 5, mq1: 9} {
		if got, err := again.read(ctx, mq); err != nil || got != want {
			t.Errorf("%v: %d %v, want %d", mq, got, err, want)
		}
	}
	// A persist of one queue keeps the others in the file.
	again.update(mq0, 7, false)
	if err := again.persist(ctx, []MessageQueue{mq0}); err != nil {
		t.Fatal(err)
	}
	third, _ := newLocalOffsets(dir, "10.0.0.1@DEFAULT", "g")
	if got, _ := third.read(ctx, mq1); got != 9 {
		t.Errorf("mq1 lost: %d", got)
	}
	if got, _ := third.read(ctx, mq0); got != 7 {
		t.Errorf("mq0 = %d, want 7", got)
	}
}

func TestLocalOffsetsReportCorruptFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "id", "g", "offsets.json")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("{not json"), 0o644)
	s, _ := newLocalOffsets(dir, "id", "g")
	if _, err := s.read(context.Background(), MessageQueue{Topic: "T"}); err == nil || errors.Is(err, errNoOffset) {
		t.Fatalf("corrupt file read as %v", err)
	}
}

func TestProcessQueueCommitOffsetIsSmallestPending(t *testing.T) {
	pq := newProcessQueue(context.Background(), MessageQueue{Topic: "T"})
	defer pq.drop()
	var msgs []*MessageExt
	for off := int64(10); off < 15; off++ {
		msgs = append(msgs, &MessageExt{QueueOffset: off, Body: make([]byte, 100)})
	}
	pq.put(msgs)
	pq.put(msgs[3:]) // a repeated pull adds nothing
	if !pq.overLimit(4, 1<<20) || pq.overLimit(5, 500) || !pq.overLimit(5, 499) {
		t.Fatalf("limits wrong")
	}
	if got := pq.remove(msgs[1:3]); got != 10 { // 11, 12 done; 10 pending
		t.Fatalf("commit %d, want 10", got)
	}
	if got := pq.remove(msgs[0:1]); got != 13 {
		t.Fatalf("commit %d, want 13", got)
	}
	if f := pq.first(); f == nil || f.QueueOffset != 13 {
		t.Fatalf("first %v", f)
	}
	if got := pq.remove(msgs[3:]); got != 15 || !pq.empty() {
		t.Fatalf("commit %d, want 15 (one past the largest)", got)
	}
	if got := pq.remove(msgs[3:]); got != 15 {
		t.Fatalf("removing twice changed the offset: %d", got)
	}
}
