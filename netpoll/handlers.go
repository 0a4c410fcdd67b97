package netpoll

import (
	"strconv"

	"github.com/fastmq/fastmq/protocol"
)

// Handler serves one request on an event loop. req and every slice and
// string reachable from it (Body, Remark, ext fields) alias the loop's read
// buffer: they are valid only until the handler returns. A handler must not
// block; it answers with c.Reply or c.ReplyVec before returning, or keeps
// c.Defer(req) and answers later from any goroutine. Copy what must outlive
// the call (req.Clone, or the typed header it decodes).
type Handler func(c *Conn, req *protocol.Command)

// denseCodes is the size of the array part of the handler table: every
// RocketMQ 4.x request code but a handful is below it.
const denseCodes = 1024

// handlerTable maps request codes to handlers. Filled before Start,
// immutable afterwards, so loops read it without a lock.
type handlerTable struct {
	dense    [denseCodes]Handler
	sparse   map[protocol.RequestCode]Handler
	fallback Handler
}

// set registers h for code, replacing an earlier handler.
func (t *handlerTable) set(code protocol.RequestCode, h Handler) {
	if code >= 0 && code < denseCodes {
		t.dense[code] = h
		return
	}
	if t.sparse == nil {
		t.sparse = make(map[protocol.RequestCode]Handler)
	}
	t.sparse[code] = h
}

// lookup returns the handler for code, or nil.
func (t *handlerTable) lookup(code protocol.RequestCode) Handler {
	if code >= 0 && code < denseCodes {
		return t.dense[code]
	}
	return t.sparse[code]
}

// notSupportedRemark is the remark Java's NettyRemotingAbstract puts in a
// REQUEST_CODE_NOT_SUPPORTED response.
func notSupportedRemark(code int32) string {
	return " request type " + strconv.Itoa(int(code)) + " not supported"
}
