package netpoll

import "sync/atomic"

// Stats counts the bytes a server's event loops wrote, and how many of them
// were copied in user space on the way. Counters are cumulative since
// Start and only grow. They let a benchmark tell the zero-copy share of
// the bytes served from what was copied.
//
// Every frame byte written is exactly one of: vectored (ReplyVec body
// slices, referenced, never copied by us) or inline (headers and bodies
// copied once into a batch or pooled buffer). Independently of that, gnet
// copies into its outbound buffer whatever the socket did not take at once
// (BytesOutboundCopied ≤ BytesWritten).
type Stats struct {
	// BytesWritten is the frame bytes (replies and server-sent requests)
	// handed to gnet's Write/Writev: passed to the kernel at once, or, for
	// the part the socket did not take, queued in gnet's outbound buffer
	// and sent when the socket drains.
	BytesWritten int64
	// BytesVectored is the ReplyVec body bytes among them: written from
	// the caller's slices (mapped commit log) without a user-space copy.
	BytesVectored int64
	// BytesInlineCopied is the header and inline body bytes copied into a
	// batch or pooled buffer before the write.
	BytesInlineCopied int64
	// BytesOutboundCopied is the bytes gnet copied into a connection's
	// outbound buffer because the socket did not take them (or because
	// earlier bytes were still queued there).
	BytesOutboundCopied int64
	// ConnsRefused is the connections closed unserved because they opened
	// after StopAccepting.
	ConnsRefused int64
}

// loopStats is one loop's share of Stats; one per loop so that loops on
// different cores do not share a cache line on every write. Written only by
// its loop (atomic adds), read by Server.Stats from any goroutine.
type loopStats struct {
	written  atomic.Int64
	vectored atomic.Int64
	inline   atomic.Int64
	outbound atomic.Int64
	_        [32]byte // pad to a cache line of its own
}

// Stats returns the server's byte counters summed over its loops. Safe from
// any goroutine; cheap (one lock, a few atomic loads per loop).
func (s *Server) Stats() Stats {
	st := Stats{ConnsRefused: s.refused.Load()}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.mu.loops {
		st.BytesWritten += l.stats.written.Load()
		st.BytesVectored += l.stats.vectored.Load()
		st.BytesInlineCopied += l.stats.inline.Load()
		st.BytesOutboundCopied += l.stats.outbound.Load()
	}
	return st
}
