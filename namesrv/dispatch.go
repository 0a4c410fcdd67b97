package namesrv

import (
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// handlers is the one table from request code to handler (J4
// DefaultRequestProcessor.processRequest). Codes not listed are answered
// REQUEST_CODE_NOT_SUPPORTED by netpoll.
func (s *Server) handlers() map[protocol.RequestCode]netpoll.Handler {
	table := map[protocol.RequestCode]netpoll.Handler{
		// Brokers (handle_broker.go).
		protocol.ReqRegisterBroker:   s.handleRegisterBroker,
		protocol.ReqUnregisterBroker: s.handleUnregisterBroker,
		protocol.ReqQueryDataVersion: s.handleQueryDataVersion,

		// Routes and topics (handle_route.go).
		protocol.ReqGetRouteInfoByTopic:           s.handleGetRouteInfo,
		protocol.ReqGetBrokerClusterInfo:          s.handleGetBrokerClusterInfo,
		protocol.ReqGetAllTopicListFromNameServer: s.handleGetAllTopicList,
		protocol.ReqGetTopicsByCluster:            s.handleGetTopicsByCluster,
		protocol.ReqGetSystemTopicListFromNS:      s.handleGetSystemTopicList,
		protocol.ReqDeleteTopicInNamesrv:          s.handleDeleteTopic,
		protocol.ReqWipeWritePermOfBroker:         s.handleWipeWritePerm,
		protocol.ReqAddWritePermOfBroker:          s.handleAddWritePerm,

		// KV configuration (handle_kv.go).
		protocol.ReqPutKVConfig:          s.handlePutKVConfig,
		protocol.ReqGetKVConfig:          s.handleGetKVConfig,
		protocol.ReqDeleteKVConfig:       s.handleDeleteKVConfig,
		protocol.ReqGetKVListByNamespace: s.handleGetKVList,
	}
	if s.cfg.Properties != "" {
		// Configuration (handle_config.go).
		table[protocol.ReqGetNamesrvConfig] = s.handleGetNamesrvConfig
	}
	return table
}

// reply is pooled memory for building one response. netpoll encodes a
// reply when Reply is called, so a reply goes back to the pool right after.
type reply struct {
	cmd   protocol.Command
	body  []byte
	route routeScratch
}

// maxPooledBodyBytes caps the body buffer a pooled reply keeps.
const maxPooledBodyBytes = 1 << 20

func (s *Server) getReply() *reply { return s.replies.Get().(*reply) }

func (s *Server) putReply(r *reply) {
	if cap(r.body) > maxPooledBodyBytes {
		r.body = nil
	}
	r.body = r.body[:0]
	r.cmd.Reset()
	s.replies.Put(r)
}

// respond answers req on c with code, remark and body (copied by netpoll
// before respond returns).
func (s *Server) respond(c *netpoll.Conn, req *protocol.Command, code protocol.ResponseCode, remark string, body []byte) {
	r := s.getReply()
	r.cmd.InitResponse(code, remark)
	r.cmd.Body = body
	s.send(c, req, r)
}

// send writes r as the response to req and recycles r.
func (s *Server) send(c *netpoll.Conn, req *protocol.Command, r *reply) {
	if err := c.Reply(req, &r.cmd); err != nil {
		s.log.Debug("reply not sent", "code", protocol.RequestCode(req.Code), "remote", c.RemoteAddr(), "err", err)
	}
	s.putReply(r)
}

// badRequest logs a request that cannot be served and answers SYSTEM_ERROR
// with the reason, as Java answers a request whose header does not decode.
func (s *Server) badRequest(c *netpoll.Conn, req *protocol.Command, err error) {
	s.log.Warn("bad request", "code", protocol.RequestCode(req.Code), "remote", c.RemoteAddr(), "err", err)
	s.respond(c, req, protocol.RespSystemError, err.Error(), nil)
}
