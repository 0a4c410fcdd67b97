package netpoll

import (
	"github.com/fastmq/fastmq/protocol"
	"github.com/valyala/bytebufferpool"
)

// ReplyTo is what a handler keeps to answer a request later, from any
// goroutine (a flush completion, a long poll, a cold read): the connection,
// the request's opaque and its serialize type. It is a small value that
// owns no request memory, so it outlives the handler call.
type ReplyTo struct {
	conn   *Conn
	opaque int32
	codec  protocol.SerializeType
	oneway bool
}

// Defer returns the ReplyTo for req. Call it inside req's handler.
func (c *Conn) Defer(req *protocol.Command) ReplyTo {
	return ReplyTo{conn: c, opaque: req.Opaque, codec: req.SerializeType, oneway: req.IsOneway()}
}

// Conn returns the connection the request came on.
func (r ReplyTo) Conn() *Conn { return r.conn }

// Opaque returns the request's opaque.
func (r ReplyTo) Opaque() int32 { return r.opaque }

// Reply answers the request from any goroutine: resp is made its response
// and encoded at once (resp may be reused on return), then written by the
// connection's event loop, batched with other replies that completed
// meanwhile. It returns ErrConnClosed or ErrServerClosed if the connection
// is already gone; a connection that closes before the loop writes the frame
// drops it. A oneway request gets no answer.
func (r ReplyTo) Reply(resp *protocol.Command) error {
	return r.ReplyVec(resp, nil, nil)
}

// ReplyVec is Reply for a body made of slices owned elsewhere (see
// Conn.ReplyVec for the frame layout). release, if not nil, runs exactly
// once, whatever happens: on the event loop after the write (nil, or the
// write error), with ErrConnClosed if the connection closed first, with
// ErrServerClosed if the server stopped first, or before ReplyVec returns
// when it returns an error or the request was oneway (nil). The slices must
// stay valid and unchanged until release runs.
func (r ReplyTo) ReplyVec(resp *protocol.Command, body [][]byte, release func(error)) error {
	if r.oneway {
		if release != nil {
			release(nil)
		}
		return nil
	}
	prepareResponse(resp, r.opaque, r.codec)
	buf := bytebufferpool.Get()
	if body == nil {
		buf.B = resp.AppendFrame(buf.B)
	} else {
		buf.B = appendVecHeader(buf.B, resp, body)
	}
	return r.conn.post(buf, body, release)
}
