package netpoll

import (
	"context"
	"encoding/binary"
	"errors"
	"io"

	"github.com/fastmq/fastmq/protocol"
	"github.com/panjf2000/gnet/v2"
)

// maxKeptHeaderBytes bounds the header size whose decoding memory (ext
// entries, unescaped strings) a loop's reused command keeps for the next
// frame; RocketMQ headers are a few hundred bytes.
const maxKeptHeaderBytes = 64 << 10

// loop is this package's state for one gnet event loop. Fields marked
// "loop-owned" are touched only by that loop's goroutine.
type loop struct {
	srv *Server        // immutable
	el  gnet.EventLoop // immutable

	req   protocol.Command // loop-owned: the frame being dispatched
	resp  protocol.Command // loop-owned: scratch for responses the server makes itself
	batch writeBatch       // loop-owned: replies made during OnTraffic
	spare []outItem        // loop-owned: the outbox slice not in use
	iov   [][]byte         // loop-owned: scratch for drain

	out   outbox    // frames handed over by other goroutines
	stats loopStats // bytes this loop wrote; see Stats
}

// Run drains the outbox; it makes *loop a gnet.Runnable, so that waking the
// loop allocates no task object of ours.
func (l *loop) Run(context.Context) error {
	l.drain()
	return nil
}

// traffic assembles and dispatches every whole frame buffered for c, runs
// the OnBatchEnd hook if a handler asked for it, then writes the replies the handlers made. It returns gnet.Close when c must be
// closed (malformed or oversized frame). On the loop only.
//
// Frames are read with Peek and consumed with Discard one at a time: a frame
// that arrived whole in the loop's read buffer is decoded in place; one that
// was split across reads sits in gnet's inbound ring and costs gnet one copy.
// The decoded request (l.req) aliases that memory, which is why a request
// and its slices are valid only during the handler call.
func (l *loop) traffic(c *Conn, gc gnet.Conn) gnet.Action {
	c.touch()
	l.batch.begin(c)
	action := gnet.None
	frames := 0
	for action == gnet.None {
		n, err := l.nextFrame(gc)
		if err != nil {
			l.srv.log.Warn("netpoll: closing connection: bad frame",
				"conn", c.id, "remote", c.remote, "err", err)
			action = gnet.Close
			break
		}
		if n == 0 {
			break
		}
		action = l.frame(c, gc, n)
		frames++
	}
	if c.batchEnd && l.srv.batchEnd != nil {
		c.batchEnd = false
		if err := l.srv.batchEnd(); err != nil {
			l.srv.log.Error("netpoll: closing connection: batch-end hook failed, replies dropped",
				"conn", c.id, "remote", c.remote, "err", err)
			l.batch.discard(err)
			return gnet.Close
		}
	}
	if err := l.batch.flush(gc, &l.stats); err != nil {
		return gnet.Close
	}
	if action == gnet.None && l.slowReader(c, gc) {
		return gnet.Close
	}
	return action
}

// slowReader reports whether c has more unsent replies buffered than
// MaxOutboundBytes allows, logging why it is about to be closed. On the
// loop only.
func (l *loop) slowReader(c *Conn, gc gnet.Conn) bool {
	n := gc.OutboundBuffered()
	if n <= l.srv.cfg.MaxOutboundBytes {
		return false
	}
	l.srv.log.Warn("netpoll: closing connection: peer does not read its replies",
		"conn", c.id, "remote", c.remote, "outboundBytes", n, "limit", l.srv.cfg.MaxOutboundBytes)
	return true
}

// nextFrame returns the size of the next whole frame buffered on gc, 0 if it
// has not fully arrived yet, or the frame error that makes the stream
// unusable. It never copies more than the 4-byte prefix.
func (l *loop) nextFrame(gc gnet.Conn) (int, error) {
	avail := gc.InboundBuffered()
	if avail < 4 {
		return 0, nil
	}
	prefix, err := gc.Peek(4)
	if err != nil {
		return 0, nil
	}
	if _, err := protocol.SplitFrame(prefix, l.srv.cfg.MaxFrameBytes); err != nil {
		return 0, err
	}
	total := int(binary.BigEndian.Uint32(prefix)) + 4
	if avail < total {
		return 0, nil
	}
	return total, nil
}

// frame decodes and dispatches the n-byte frame at the head of gc's inbound
// data, then consumes it.
func (l *loop) frame(c *Conn, gc gnet.Conn, n int) gnet.Action {
	buf, err := gc.Peek(n)
	if err != nil {
		return gnet.None // cannot happen: n bytes are buffered
	}
	if err := l.req.Decode(buf); err != nil {
		l.srv.log.Warn("netpoll: closing connection: malformed frame",
			"conn", c.id, "remote", c.remote, "frameBytes", n, "err", err)
		return gnet.Close
	}
	hugeHeader := n-len(l.req.Body) > maxKeptHeaderBytes
	l.dispatch(c, &l.req)
	if hugeHeader {
		// Drop the ext and scratch memory a huge header grew, rather than
		// keep it for the life of the loop.
		l.req = protocol.Command{}
	} else {
		l.req.Reset()
	}
	if _, err := gc.Discard(n); err != nil && !errors.Is(err, io.ErrShortBuffer) {
		return gnet.Close
	}
	return gnet.None
}

// dispatch routes one decoded frame: a response completes the request the
// server sent on c; a request goes to its handler.
func (l *loop) dispatch(c *Conn, cmd *protocol.Command) {
	if cmd.IsResponse() {
		c.completeCall(cmd)
		return
	}
	h := l.srv.handlers.lookup(protocol.RequestCode(cmd.Code))
	if h == nil {
		l.notSupported(c, cmd)
		return
	}
	l.call(h, c, cmd)
}

// call runs a handler. A panicking handler is a bug in our code, not bad
// input: it is logged and answered with SYSTEM_ERROR, and the loop goes on
// serving every other connection.
func (l *loop) call(h Handler, c *Conn, req *protocol.Command) {
	defer func() {
		if r := recover(); r != nil {
			l.srv.log.Error("netpoll: handler panicked",
				"code", req.Code, "conn", c.id, "remote", c.remote, "panic", r)
			l.resp.InitResponse(protocol.RespSystemError, "handler failed")
			_ = c.Reply(req, &l.resp)
		}
	}()
	h(c, req)
}

// notSupported answers a request code nobody handles, as Java's
// NettyRemotingAbstract does.
func (l *loop) notSupported(c *Conn, req *protocol.Command) {
	if h := l.srv.handlers.fallback; h != nil {
		l.call(h, c, req)
		return
	}
	l.srv.log.Debug("netpoll: request code not supported", "code", req.Code, "remote", c.remote)
	l.resp.InitResponse(protocol.RespRequestCodeNotSupported, "")
	l.resp.Remark = notSupportedRemark(req.Code)
	_ = c.Reply(req, &l.resp)
}
