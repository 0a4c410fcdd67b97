package broker

import (
	"strings"
	"sync"
	"testing"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/protocol"
)

// TestSyncFlushBacklogRefusesSendsWithSystemBusy fills the sync-flush
// backlog past its limit (as appends waiting for a stalled disk would):
// a send is answered at once with SYSTEM_BUSY and J4's
// "[PCBUSY_CLEAN_QUEUE]broker busy" remark instead of appending (which could
// block the event loop on the store's full write buffer); once the backlog
// drains, sends are stored again.
func TestSyncFlushBacklogRefusesSendsWithSystemBusy(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.FlushDiskType = mmapstore.SyncFlush
	cfg.syncBacklogBytes = 4096
	b := startBroker(t, cfg)
	addr := b.ListenAddr()
	if resp := invoke(t, addr, sendRequest("TopicB", []byte("first"))); resp.Code != 0 {
		t.Fatalf("send on an idle log: %d %s", resp.Code, resp.Remark)
	}
	before := b.clog.MaxOffset()

	b.backlog.add(cfg.syncBacklogBytes) // appends not yet durable
	resp := invoke(t, addr, sendRequest("TopicB", []byte("refused")))
	if resp.Code != int32(protocol.RespSystemBusy) || !strings.HasPrefix(resp.Remark, "[PCBUSY_CLEAN_QUEUE]broker busy") {
		t.Fatalf("send past the backlog: %d %q, want SYSTEM_BUSY [PCBUSY_CLEAN_QUEUE]", resp.Code, resp.Remark)
	}
	if got := b.clog.MaxOffset(); got != before {
		t.Fatalf("refused send was appended: log end %d -> %d", before, got)
	}
	if got := b.busyRefused.Load(); got != 1 {
		t.Errorf("busyRefused = %d, want 1", got)
	}

	b.backlog.done(cfg.syncBacklogBytes) // the disk caught up
	if resp := invoke(t, addr, sendRequest("TopicB", []byte("after"))); resp.Code != 0 {
		t.Fatalf("send after the backlog drained: %d %s", resp.Code, resp.Remark)
	}
}

// TestSyncFlushBacklogCountsReturnToZero sends concurrently under sync
// flush: every appended byte is counted while its flush is pending and
// uncounted by its completion, so the backlog ends at zero, and a message
// bigger than the limit still passes on an idle log.
func TestSyncFlushBacklogCountsReturnToZero(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.FlushDiskType = mmapstore.SyncFlush
	cfg.syncBacklogBytes = 64 << 10
	b := startBroker(t, cfg)
	addr := b.ListenAddr()
	if resp := invoke(t, addr, sendRequest("TopicZ", make([]byte, 100<<10))); resp.Code != 0 {
		t.Fatalf("big send on an idle log: %d %s", resp.Code, resp.Remark)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int32]int{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				resp := invoke(t, addr, sendRequest("TopicZ", make([]byte, 8<<10)))
				mu.Lock()
				codes[resp.Code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for code, n := range codes {
		if code != 0 && code != int32(protocol.RespSystemBusy) {
			t.Errorf("%d sends answered %d", n, code)
		}
	}
	if got := b.backlog.bytes.Load(); got != 0 {
		t.Fatalf("backlog = %d bytes after every send was answered, want 0", got)
	}
}
