package netpoll

import (
	"sync/atomic"

	"github.com/fastmq/fastmq/protocol"
	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/bytebufferpool"
)

// Conn is one accepted client connection, as handlers see it. It hides
// gnet's connection so that another backend (io_uring) can stand behind the
// same methods.
//
// Goroutine safety: ID, RemoteAddr, Close, Defer's ReplyTo methods, Invoke,
// InvokeAsync and Send are safe from any goroutine. Reply and ReplyVec are
// for the handler call that received the request, on its event loop.
type Conn struct {
	id     uint64  // immutable
	remote string  // immutable
	srv    *Server // immutable
	loop   *loop   // immutable: the event loop that serves this connection
	gc     gnet.Conn

	lastActive atomic.Int64 // the server clock (unix ns) when bytes last moved
	closed     atomic.Bool  // set on the loop when gnet reports the close
	calls      callTable    // requests the server sent on this connection
	// batchEnd is set by NeedBatchEnd and cleared when the hook runs. On
	// the loop only.
	batchEnd bool
}

// NeedBatchEnd asks for the server's OnBatchEnd hook to run after the
// handlers of the current read event, before their replies are written.
// For the handler call that received the request, on its event loop.
func (c *Conn) NeedBatchEnd() { c.batchEnd = true }

// ID returns the connection's number, unique within its server.
func (c *Conn) ID() uint64 { return c.id }

// RemoteAddr returns the peer's "ip:port".
func (c *Conn) RemoteAddr() string { return c.remote }

// Closed reports whether the connection has closed.
func (c *Conn) Closed() bool { return c.closed.Load() }

// Close closes the connection. Frames already handed to the connection are
// written first where the socket takes them; the server's close hooks run
// once it is closed. Safe to call more than once and from any goroutine.
func (c *Conn) Close() error {
	if c.closed.Load() {
		return nil
	}
	if err := c.gc.Close(); err != nil && !c.closed.Load() {
		return ErrServerClosed
	}
	return nil
}

// touch records activity for the idle scan.
func (c *Conn) touch() {
	if now := c.srv.clock.Load(); c.lastActive.Load() != now {
		c.lastActive.Store(now)
	}
}

// Reply answers req within its handler: it makes resp a response to req
// (response flag, req's opaque and serialize type), encodes it at once, and
// writes it with the loop's other replies when the handler's event is done.
// resp may be reused as soon as Reply returns. A oneway request gets no
// answer: Reply then does nothing. From any other goroutine, or after the
// handler has returned, use c.Defer(req).Reply.
func (c *Conn) Reply(req, resp *protocol.Command) error {
	return c.ReplyVec(req, resp, nil, nil)
}

// ReplyVec is Reply for a body made of slices owned elsewhere (mapped
// commit-log data, say): the frame is resp's header, then resp.Body, then
// every slice of body, written with writev, the slices uncopied. release
// (if not nil) runs exactly once on the event loop after the write: with nil
// when the bytes are in the kernel or gnet's outbound buffer, or with the
// error that stopped them. The slices must stay valid and unchanged until
// then, and must not alias req's memory (it is gone by then).
func (c *Conn) ReplyVec(req, resp *protocol.Command, body [][]byte, release func(error)) error {
	b := &c.loop.batch
	if b.conn.Load() != c {
		if release != nil {
			release(ErrNotInHandler)
		}
		return ErrNotInHandler
	}
	if req.IsOneway() {
		if release != nil {
			release(nil)
		}
		return nil
	}
	prepareResponse(resp, req.Opaque, req.SerializeType)
	if body == nil {
		b.buf = resp.AppendFrame(b.buf)
		return nil
	}
	b.buf = appendVecHeader(b.buf, resp, body)
	b.external(body, release)
	return nil
}

// prepareResponse makes resp the response to the request with opaque and
// codec st.
func prepareResponse(resp *protocol.Command, opaque int32, st protocol.SerializeType) {
	resp.MarkResponse()
	resp.Opaque = opaque
	resp.SerializeType = st
}

// appendVecHeader appends resp's header and inline body for a frame whose
// body continues with the slices of ext.
func appendVecHeader(dst []byte, resp *protocol.Command, ext [][]byte) []byte {
	n := len(resp.Body)
	for _, b := range ext {
		n += len(b)
	}
	dst = resp.AppendHeader(dst, n)
	return append(dst, resp.Body...)
}

// post hands a frame encoded into buf (plus body slices) to the connection's
// loop, from any goroutine. On failure release has already run.
func (c *Conn) post(buf *bytebufferpool.ByteBuffer, body [][]byte, release func(error)) error {
	it := outItem{conn: c, buf: buf, body: body, release: release}
	if c.closed.Load() {
		it.done(ErrConnClosed)
		return ErrConnClosed
	}
	return c.loop.post(it)
}
