package broker

import (
	"errors"
	"sync/atomic"
)

// Sync-flush back-pressure without blocking an event loop.
//
// Under SYNC_FLUSH the commit log encodes appends into a write buffer that
// its flusher writes out before each group-commit fdatasync; once the buffer
// holds mmapstore's limit (64 MiB) an Append waits, with no timeout, for the
// flusher to swap it out. A send handler runs on an event loop and must
// never wait there. So the broker keeps its own count of the bytes it has
// appended whose completion has not run yet (appended but not yet durable,
// which includes everything still in the write buffer) and, past
// DefaultSyncBacklogBytes — well below the store's limit — answers a send
// with SYSTEM_BUSY and "[PCBUSY_CLEAN_QUEUE]broker busy" (J4
// SendMessageProcessor / BrokerFastFailure wording) instead of appending.
// The producer sees a retriable refusal and the loop goes on serving.
//
// Every append the broker makes is counted (sends, send-backs, transaction
// commits and op records, schedule re-puts), so the count bounds the write
// buffer's fill; only sends, which run on the loops, are refused. The
// others run off the loops and are few. Under ASYNC_FLUSH completions run
// inside Append, so the count returns to zero at once and nothing is
// refused.
//
// Rejected design: reading the store's buffered bytes directly would be
// exact, but mmapstore exposes no accessor for it.

// DefaultSyncBacklogBytes is how many appended-but-not-yet-durable bytes the
// broker lets pile up before it refuses sends with SYSTEM_BUSY: half of
// mmapstore's 64 MiB write buffer, so that appends never wait for room.
const DefaultSyncBacklogBytes = 32 << 20

// ErrBusy: the commit log is behind the sends (sync flush backlog full);
// mapped to SYSTEM_BUSY.
var ErrBusy = errors.New("[PCBUSY_CLEAN_QUEUE]broker busy, start flow control for a while")

// syncBacklog counts bytes appended whose completion has not run yet.
type syncBacklog struct {
	bytes atomic.Int64 // appended, completion pending
	limit int64        // immutable after Open
}

// admit counts n more bytes unless the backlog is already past its limit.
// A backlog of zero always admits, so a message larger than the limit
// still gets through on an idle log. Loops race between Load and Add; the
// overshoot is at most one message per loop.
func (f *syncBacklog) admit(n int64) bool {
	if cur := f.bytes.Load(); cur > 0 && cur+n > f.limit {
		return false
	}
	f.bytes.Add(n)
	return true
}

// add counts n bytes without checking the limit (appends off the loops).
func (f *syncBacklog) add(n int64) { f.bytes.Add(n) }

// done uncounts n bytes once their append completed (or failed).
func (f *syncBacklog) done(n int64) { f.bytes.Add(-n) }
