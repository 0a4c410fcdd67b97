package netpoll

import (
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"
)

// iovMax is the most slices one writev call takes (Linux IOV_MAX).
const iovMax = 1024

// maxKeptBatchBytes caps the batch buffer a loop keeps between events: a
// burst of large inline replies must not pin its memory forever.
const maxKeptBatchBytes = 1 << 20

// writeBatch gathers the replies that handlers make during one OnTraffic
// call, for one connection, and writes them with one writev when the call
// ends. Owned by its loop goroutine.
//
// Inline bytes (headers and copied bodies) go to buf; slices owned elsewhere
// (ReplyVec bodies) are referenced, not copied. iov is built as replies
// arrive: every external slice first closes the inline run before it.
// Appends may move buf; iov entries made earlier keep the old array alive,
// so they stay intact until flush.
type writeBatch struct {
	// conn is the connection being served, nil outside OnTraffic. Atomic
	// only so that a misplaced Reply from another goroutine is refused
	// without a data race in the common case.
	conn     atomic.Pointer[Conn]
	buf      []byte        // inline bytes
	mark     int           // start of the inline run not yet in iov
	vectored int           // bytes of the external slices in iov
	iov      [][]byte      // what flush writes, in order
	releases []func(error) // run after the write, in order
}

// begin starts a batch for c.
func (w *writeBatch) begin(c *Conn) {
	w.conn.Store(c)
}

// external adds slices owned elsewhere after the inline bytes so far, and
// the release to run once they are written.
func (w *writeBatch) external(body [][]byte, release func(error)) {
	if w.mark < len(w.buf) {
		w.iov = append(w.iov, w.buf[w.mark:])
		w.mark = len(w.buf)
	}
	for _, b := range body {
		if len(b) > 0 {
			w.iov = append(w.iov, b)
			w.vectored += len(b)
		}
	}
	if release != nil {
		w.releases = append(w.releases, release)
	}
}

// flush writes everything gathered to gc, runs the releases with the
// outcome, and resets the batch. gnet writes what the socket takes and copies
// only the unsent tail into its outbound buffer, so the slices are free to
// release when writev returns.
func (w *writeBatch) flush(gc gnet.Conn, st *loopStats) error {
	w.conn.Store(nil)
	if len(w.buf) == 0 && len(w.iov) == 0 && len(w.releases) == 0 {
		return nil
	}
	if w.mark < len(w.buf) {
		w.iov = append(w.iov, w.buf[w.mark:])
	}
	st.inline.Add(int64(len(w.buf)))
	st.vectored.Add(int64(w.vectored))
	err := writeChunked(gc, w.iov, st)
	for i, f := range w.releases {
		f(err)
		w.releases[i] = nil
	}
	clear(w.iov)
	w.iov, w.releases = w.iov[:0], w.releases[:0]
	w.buf, w.mark, w.vectored = w.buf[:0], 0, 0
	if cap(w.buf) > maxKeptBatchBytes {
		w.buf = nil
	}
	return err
}

// discard drops everything gathered unwritten, runs the releases with err,
// and resets the batch.
func (w *writeBatch) discard(err error) {
	w.conn.Store(nil)
	for i, f := range w.releases {
		f(err)
		w.releases[i] = nil
	}
	clear(w.iov)
	w.iov, w.releases = w.iov[:0], w.releases[:0]
	w.buf, w.mark, w.vectored = w.buf[:0], 0, 0
}

// writeChunked writes iov to gc in writev calls of at most iovMax slices,
// counting the bytes written and those gnet had to copy into its outbound
// buffer in st. gnet's Writev trims the entries of the slice it is given on
// a short write, so iov's entries are garbage afterwards. On the loop only.
func writeChunked(gc gnet.Conn, iov [][]byte, st *loopStats) error {
	for len(iov) > 0 {
		n := min(len(iov), iovMax)
		before := gc.OutboundBuffered()
		// Count the bytes before handing them over: the peer may read
		// them and ask for Stats on another loop before this call returns.
		var total int
		for _, b := range iov[:n] {
			total += len(b)
		}
		st.written.Add(int64(total))
		var wrote int
		var err error
		if n == 1 {
			wrote, err = gc.Write(iov[0])
		} else {
			wrote, err = gc.Writev(iov[:n])
		}
		if err != nil {
			st.written.Add(int64(wrote - total))
			return err
		}
		if queued := gc.OutboundBuffered() - before; queued > 0 {
			st.outbound.Add(int64(queued))
		}
		iov = iov[n:]
	}
	return nil
}
