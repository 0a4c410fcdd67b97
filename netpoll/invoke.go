package netpoll

import (
	"context"
	"time"

	"github.com/fastmq/fastmq/protocol"
	"github.com/valyala/bytebufferpool"
)

// Invoke sends req to the client on c and waits for the client's response,
// matched by opaque, until ctx ends. It sets req's opaque (from the
// server's counter) and clears its response flag; req may be reused on
// return. The response owns its memory.
//
// Invoke blocks its goroutine: never call it from a handler or a release
// callback (they run on an event loop, and the response would arrive on a
// loop). Use InvokeAsync there.
func (c *Conn) Invoke(ctx context.Context, req *protocol.Command) (*protocol.Command, error) {
	opaque := c.srv.nextOpaque()
	cl := getCall()
	if err := c.calls.add(opaque, cl); err != nil {
		putCall(cl)
		return nil, err
	}
	if err := c.sendRequest(req, opaque); err != nil {
		abandonCall(&c.calls, opaque, cl)
		return nil, err
	}
	return waitCall(ctx, &c.calls, opaque, cl, 0)
}

// InvokeAsync sends req on c and returns at once; done runs exactly once
// with the response (which owns its memory), with ErrTimeout after timeout
// (if > 0), or with ErrConnClosed when the connection closes first. done
// runs on the event loop or a timer goroutine: it must not block. If
// InvokeAsync returns an error, done never runs.
func (c *Conn) InvokeAsync(req *protocol.Command, timeout time.Duration, done func(resp *protocol.Command, err error)) error {
	opaque := c.srv.nextOpaque()
	if err := asyncCall(&c.calls, opaque, timeout, done); err != nil {
		return err
	}
	if err := c.sendRequest(req, opaque); err != nil {
		if c.calls.take(opaque) != nil {
			return err
		}
		// The close already took the call and runs done.
	}
	return nil
}

// Send sends req on c without waiting for anything (a notification such as
// NOTIFY_CONSUMER_IDS_CHANGED). A response the client sends anyway is
// dropped. req's opaque is set; req may be reused on return.
func (c *Conn) Send(req *protocol.Command) error {
	return c.sendRequest(req, c.srv.nextOpaque())
}

// sendRequest encodes req as a request with opaque and hands it to the loop.
func (c *Conn) sendRequest(req *protocol.Command, opaque int32) error {
	req.Opaque = opaque
	req.Flag &^= protocol.FlagResponse
	buf := bytebufferpool.Get()
	buf.B = req.AppendFrame(buf.B)
	return c.post(buf, nil, nil)
}

// completeCall delivers a response that arrived on c to the request the
// server sent. On the loop: the response is copied out of the read buffer.
func (c *Conn) completeCall(resp *protocol.Command) {
	cl := c.calls.take(resp.Opaque)
	if cl == nil {
		c.srv.log.Debug("netpoll: dropping response nobody waits for",
			"opaque", resp.Opaque, "code", resp.Code, "remote", c.remote)
		return
	}
	cl.complete(resp.Clone(), nil)
}

// abandonCall withdraws a pooled call whose request could not be sent. If a
// close completed it meanwhile, the result is read and dropped first.
func abandonCall(t *callTable, opaque int32, cl *call) {
	if t.take(opaque) == nil {
		<-cl.done
	}
	putCall(cl)
}
