package broker

import (
	"testing"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// sendPathOnce runs the send handler's work on a decoded frame without the
// network: header decode, validation and property rewrite, deferred append
// and its write (one batch of one: the worst case), msgId and reply header.
func sendPathOnce(tb testing.TB, b *Broker, cmd *protocol.Command, frame []byte) {
	if err := cmd.Decode(frame); err != nil {
		tb.Fatal(err)
	}
	var h protocol.SendMessageRequestHeader
	if err := h.Decode(cmd); err != nil {
		tb.Fatal(err)
	}
	op := b.getSendOp()
	if err := b.prepareSend(op, "127.0.0.1:40000", cmd, &h); err != nil {
		tb.Fatal(err)
	}
	op.pending.Store(2)
	if err := b.appendSend(op, false); err != nil {
		tb.Fatal(err)
	}
	if err := b.clog.WritePending(); err != nil { // the loop's batch-end hook
		tb.Fatal(err)
	}
	op.recordResult()
	op.resp.InitResponseTo(cmd, respCode(op.err), op.remark())
	op.fillResponse()
	b.putSendOp(op)
}

func sendFrame(body []byte) []byte {
	req := sendRequest("TopicBench", body)
	req.SetExtField("properties", "TAGS\x01TagA\x02KEYS\x01order-1\x02UNIQ_KEY\x01C000020247F4000000006bc4eda00001\x02WAIT\x01true\x02")
	return req.AppendFrame(nil)
}

// TestSendPathAllocs fixes the allocations of the send path at zero once
// the pools are warm (style.md: send/append/pull paths get an AllocsPerRun
// test).
func TestSendPathAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts mean nothing under -race (sync.Pool drops items)")
	}
	b := startBroker(t, testConfig(t.TempDir()))
	frame := sendFrame(make([]byte, 256))
	var cmd protocol.Command
	sendPathOnce(t, b, &cmd, frame) // creates the topic and warms the pools
	allocs := testing.AllocsPerRun(2000, func() { sendPathOnce(t, b, &cmd, frame) })
	// The dispatcher and long-poll goroutines run meanwhile; allow them a
	// fraction of an allocation per message.
	if allocs >= 1 {
		t.Fatalf("send path allocates %.2f times per message, want 0", allocs)
	}
}

// BenchmarkSendPath measures the broker's per-message send work under async
// flush (no network): go test -run '^$' -bench SendPath ./broker/
func BenchmarkSendPath(b *testing.B) {
	for _, size := range []int{128, 1024} {
		b.Run("size="+itoa(int64(size)), func(b *testing.B) {
			br := startBroker(b, testConfig(b.TempDir()))
			frame := sendFrame(make([]byte, size))
			var cmd protocol.Command
			sendPathOnce(b, br, &cmd, frame)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				sendPathOnce(b, br, &cmd, frame)
			}
		})
	}
}

// TestPullPathAllocs: looking up and collecting a pull's records allocates
// nothing once the pool is warm.
func TestPullPathAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts mean nothing under -race (sync.Pool drops items)")
	}
	b := startBroker(t, testConfig(t.TempDir()))
	frame := sendFrame(make([]byte, 256))
	var cmd protocol.Command
	for i := 0; i < 64; i++ {
		sendPathOnce(t, b, &cmd, frame)
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicBench") == 64 })
	args := pullArgs{group: "g", topic: "TopicBench", queueID: 0, offset: 0, maxNums: 32,
		filter: parseSubscription("TopicBench", "TagA || TagB", 0)}
	var found int
	allocs := testing.AllocsPerRun(1000, func() {
		op := b.getPullOp()
		res := b.pull(op, &args)
		found = len(op.bufs)
		res.encode(&op.resp)
		op.release(nil)
	})
	if found != 32 {
		t.Fatalf("pull found %d messages, want 32", found)
	}
	if allocs >= 1 {
		t.Fatalf("pull path allocates %.2f times per pull, want 0", allocs)
	}
}

// BenchmarkPullPath measures collecting 32 records of 1 KiB for a pull
// (consume-queue read, tag filter, commit-log views).
func BenchmarkPullPath(b *testing.B) {
	br := startBroker(b, testConfig(b.TempDir()))
	frame := sendFrame(make([]byte, 1024))
	var cmd protocol.Command
	for i := 0; i < 32; i++ {
		sendPathOnce(b, br, &cmd, frame)
	}
	waitFor(b, 10*time.Second, "dispatch", func() bool { return storedCount(br, "TopicBench") == 32 })
	args := pullArgs{group: "g", topic: "TopicBench", maxNums: 32}
	b.ReportAllocs()
	b.SetBytes(32 * 1024)
	for b.Loop() {
		op := br.getPullOp()
		res := br.pull(op, &args)
		res.encode(&op.resp)
		op.release(nil)
	}
}
