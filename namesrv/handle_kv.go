package namesrv

import (
	"strings"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// handlePutKVConfig serves PUT_KV_CONFIG (100). The value is visible at
// once; the reply is sent by the KV persister once kvConfig.json holds it
// (SYSTEM_ERROR if the write failed).
func (s *Server) handlePutKVConfig(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.KVConfigHeader
	if err := h.DecodePut(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	s.kv.put(strings.Clone(h.Namespace), strings.Clone(h.Key), strings.Clone(h.Value), s.replyWhenDurable(c, req))
}

// handleDeleteKVConfig serves DELETE_KV_CONFIG (102); like a put, the
// reply waits for the write.
func (s *Server) handleDeleteKVConfig(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.KVConfigHeader
	if err := h.DecodeKey(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	s.kv.delete(h.Namespace, h.Key, s.replyWhenDurable(c, req))
}

// replyWhenDurable returns the completion that answers req once the KV
// change is persisted. It may run on the persister goroutine, so it
// answers through a ReplyTo.
func (s *Server) replyWhenDurable(c *netpoll.Conn, req *protocol.Command) func(error) {
	to := c.Defer(req)
	return func(err error) {
		resp := protocol.NewResponse(protocol.RespSuccess, "")
		if err != nil {
			s.log.Error("KV config not persisted", "err", err)
			resp.InitResponse(protocol.RespSystemError, err.Error())
		}
		if rerr := to.Reply(resp); rerr != nil {
			s.log.Debug("KV reply not sent", "remote", to.Conn().RemoteAddr(), "err", rerr)
		}
	}
}

// handleGetKVConfig serves GET_KV_CONFIG (101): ext value, or
// QUERY_NOT_FOUND.
func (s *Server) handleGetKVConfig(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.KVConfigHeader
	if err := h.DecodeKey(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	v, ok := s.kv.get(h.Namespace, h.Key)
	if !ok {
		s.respond(c, req, protocol.RespQueryNotFound,
			"No config item, Namespace: "+h.Namespace+" Key: "+h.Key, nil)
		return
	}
	r := s.getReply()
	r.cmd.InitResponse(protocol.RespSuccess, "")
	(&protocol.KVConfigHeader{Value: v}).Encode(&r.cmd)
	s.send(c, req, r)
}

// handleGetKVList serves GET_KVLIST_BY_NAMESPACE (219): the namespace's
// KVTable, or QUERY_NOT_FOUND.
func (s *Server) handleGetKVList(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.KVConfigHeader
	if err := h.DecodeNamespace(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	r := s.getReply()
	body, ok := s.kv.appendNamespace(r.body[:0], h.Namespace)
	if !ok {
		s.putReply(r)
		s.respond(c, req, protocol.RespQueryNotFound, "No config item, Namespace: "+h.Namespace, nil)
		return
	}
	r.body = body
	r.cmd.InitResponse(protocol.RespSuccess, "")
	r.cmd.Body = body
	s.send(c, req, r)
}
