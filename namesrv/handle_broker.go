package namesrv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// versionV3_0_11 is the first broker version whose REGISTER_BROKER body is
// a RegisterBrokerBody rather than a bare TopicConfigSerializeWrapper
// (J4 DefaultRequestProcessor.processRequest).
const versionV3_0_11 = 37

// errCRCMismatch answers a registration whose body fails its bodyCrc32.
var errCRCMismatch = errors.New("crc32 not match")

// handleRegisterBroker serves REGISTER_BROKER (103), the 4.x broker
// heartbeat: it records the broker and (from a master) its topics, and
// answers a slave with its master's address and HA address. The body of
// the reply is the ORDER_TOPIC_CONFIG KV table, when there is one
// (J4 registerBrokerWithFilterServer).
//
// A large or compressed body is decoded off the loop (registrar.go) and
// answered later.
func (s *Server) handleRegisterBroker(c *netpoll.Conn, req *protocol.Command) {
	if decodeOffLoop(req) {
		if !s.registrar.offer(c, req) {
			s.log.Warn("broker registration refused: registration queue full", "remote", c.RemoteAddr(), "bodyBytes", len(req.Body))
			s.send(c, req, s.busyReply("namesrv busy: registration queue full"))
		}
		return
	}
	s.send(c, req, s.register(c, req))
}

// registerLater serves a registration the registrar took off a loop.
func (s *Server) registerLater(j regJob) {
	r := s.register(j.conn, j.req)
	if j.conn.Closed() {
		// The close hook may have run before the connection was tracked:
		// run it again (it is idempotent) so no broker stays tied to a
		// dead connection.
		s.onConnClose(j.conn)
	}
	s.answerLater(j, r)
}

// answerLater sends r as the answer to j's request and recycles r.
func (s *Server) answerLater(j regJob, r *reply) {
	if err := j.to.Reply(&r.cmd); err != nil {
		s.log.Debug("reply not sent", "code", protocol.RequestCode(j.req.Code), "remote", j.to.Conn().RemoteAddr(), "err", err)
	}
	s.putReply(r)
}

// busyReply is a SYSTEM_BUSY answer with remark.
func (s *Server) busyReply(remark string) *reply {
	r := s.getReply()
	r.cmd.InitResponse(protocol.RespSystemBusy, remark)
	return r
}

// register decodes and records a REGISTER_BROKER request from c and
// returns the answer to send. On the loop or on the registrar.
func (s *Server) register(c *netpoll.Conn, req *protocol.Command) *reply {
	reg, err := decodeRegistration(req)
	if errors.Is(err, errCRCMismatch) {
		s.log.Warn("broker registration: body checksum mismatch", "remote", c.RemoteAddr())
		r := s.getReply()
		r.cmd.InitResponse(protocol.RespSystemError, err.Error())
		return r
	}
	if err != nil {
		s.log.Warn("bad request", "code", protocol.RequestCode(req.Code), "remote", c.RemoteAddr(), "err", err)
		r := s.getReply()
		r.cmd.InitResponse(protocol.RespSystemError, err.Error())
		return r
	}
	reg.ConnID = c.ID()
	s.trackBrokerConn(c)
	res := s.routes.register(reg, s.cfg.now())
	level := slog.LevelDebug // every 30 s per broker
	if res.New {
		level = slog.LevelInfo
	}
	s.log.Log(context.Background(), level, "broker registered", "cluster", reg.ClusterName, "brokerName", reg.BrokerName,
		"brokerId", reg.BrokerID, "brokerAddr", reg.BrokerAddr, "haServerAddr", reg.HAServerAddr, "remote", c.RemoteAddr())

	r := s.getReply()
	r.cmd.InitResponse(protocol.RespSuccess, "")
	hdr := protocol.RegisterBrokerResponseHeader{HAServerAddr: res.HAServerAddr, MasterAddr: res.MasterAddr}
	hdr.Encode(&r.cmd)
	if body, ok := s.kv.appendNamespace(r.body[:0], protocol.NamespaceOrderTopicConfig); ok {
		r.body = body
		r.cmd.Body = body
	}
	return r
}

// decodeRegistration reads a REGISTER_BROKER request into a registration
// that shares no memory with req.
func decodeRegistration(req *protocol.Command) (*registration, error) {
	var h protocol.RegisterBrokerRequestHeader
	if err := h.Decode(req); err != nil {
		return nil, err
	}
	if h.BodyCRC32 != 0 && protocol.RegisterBodyCRC32(req.Body) != h.BodyCRC32 {
		return nil, errCRCMismatch
	}
	reg := &registration{
		BrokerIdentity: cloneIdentity(&h.BrokerIdentity),
		HAServerAddr:   strings.Clone(h.HAServerAddr),
	}
	switch {
	case len(req.Body) == 0:
		// Java registers an empty table with DataVersion{0, 0}.
		reg.Topics = &protocol.TopicConfigSerializeWrapper{}
	case req.Version >= versionV3_0_11:
		body, err := protocol.DecodeRegisterBrokerBody(req.Body, h.Compressed)
		if err != nil {
			return nil, fmt.Errorf("register broker %s at %s: %w", h.BrokerName, h.BrokerAddr, err)
		}
		reg.Topics = &body.TopicConfigSerializeWrapper
		reg.FilterServers = body.FilterServerList
		if reg.FilterServers == nil {
			reg.FilterServers = []string{}
		}
	default:
		w, err := protocol.DecodeTopicConfigSerializeWrapper(req.Body)
		if err != nil {
			return nil, fmt.Errorf("register broker %s at %s: %w", h.BrokerName, h.BrokerAddr, err)
		}
		reg.Topics = &w
	}
	return reg, nil
}

// cloneIdentity copies a decoded identity out of the request's memory.
func cloneIdentity(id *protocol.BrokerIdentity) protocol.BrokerIdentity {
	return protocol.BrokerIdentity{BrokerName: strings.Clone(id.BrokerName),
		BrokerAddr: strings.Clone(id.BrokerAddr), ClusterName: strings.Clone(id.ClusterName),
		BrokerID: id.BrokerID}
}

// handleUnregisterBroker serves UNREGISTER_BROKER (104): a broker shutting
// down removes its address at once, or, when registrations are being
// decoded off the loop, right after them (registrar.go).
func (s *Server) handleUnregisterBroker(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.BrokerIdentity
	if err := h.Decode(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	if s.registrar.offerUnregister(c, req) {
		return
	}
	s.unregister(&h)
	s.respond(c, req, protocol.RespSuccess, "", nil)
}

// unregisterLater serves an UNREGISTER_BROKER the registrar queued behind
// registrations. Its header decoded once already.
func (s *Server) unregisterLater(j regJob) {
	var h protocol.BrokerIdentity
	r := s.getReply()
	if err := h.Decode(j.req); err != nil {
		r.cmd.InitResponse(protocol.RespSystemError, err.Error())
	} else {
		s.unregister(&h)
		r.cmd.InitResponse(protocol.RespSuccess, "")
	}
	s.answerLater(j, r)
}

// unregister removes the broker h names and logs it.
func (s *Server) unregister(h *protocol.BrokerIdentity) {
	s.routes.unregister(h)
	s.log.Info("broker unregistered", "brokerName", h.BrokerName, "brokerAddr", h.BrokerAddr, "brokerId", h.BrokerID)
}

// handleQueryDataVersion serves QUERY_DATA_VERSION (322): whether the
// broker's topic table version differs from the registered one (ext
// changed); an unchanged broker counts as alive. The reply body is the
// registered DataVersion, when there is one.
func (s *Server) handleQueryDataVersion(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.BrokerIdentity
	if err := h.Decode(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	changed := true // Java: a missing body decodes to null, never equal
	if len(req.Body) > 0 {
		v, err := protocol.DecodeDataVersion(req.Body)
		if err != nil {
			s.badRequest(c, req, err)
			return
		}
		changed = s.routes.queryDataVersion(h.BrokerAddr, v, s.cfg.now())
	}
	r := s.getReply()
	r.cmd.InitResponse(protocol.RespSuccess, "")
	(&protocol.QueryDataVersionResponseHeader{Changed: changed}).Encode(&r.cmd)
	if stored, ok := s.routes.dataVersion(h.BrokerAddr); ok {
		r.body = protocol.AppendDataVersion(r.body[:0], stored)
		r.cmd.Body = r.body
	}
	s.send(c, req, r)
}
