package namesrv

import (
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// handleGetNamesrvConfig serves GET_NAMESRV_CONFIG (319): the effective
// configuration as properties text (J4 DefaultRequestProcessor.getConfig).
// UPDATE_NAMESRV_CONFIG is not served: the configuration is read once, at
// start.
func (s *Server) handleGetNamesrvConfig(c *netpoll.Conn, req *protocol.Command) {
	r := s.getReply()
	r.body = append(r.body[:0], s.cfg.Properties...)
	r.cmd.InitResponse(protocol.RespSuccess, "")
	r.cmd.Body = r.body
	s.send(c, req, r)
}
