package namesrv

import (
	"strconv"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// versionV4_9_4 is the first client version the Java NameServer sends
// standard JSON (quoted brokerAddrs keys) without being asked
// (J4 DefaultRequestProcessor.getRouteInfoByTopic).
const versionV4_9_4 = 401

// routeNotFoundHint ends the TOPIC_NOT_EXIST remark, as Java's
// FAQUrl.suggestTodo(APPLY_TOPIC_URL) does.
const routeNotFoundHint = "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

// routeKeys picks the brokerAddrs key style for a request: what the Java
// NameServer would send.
func routeKeys(req *protocol.Command, standardOnly bool) protocol.MapKeys {
	if req.Version >= versionV4_9_4 || standardOnly {
		return protocol.MapKeysQuoted
	}
	return protocol.MapKeysBare
}

// handleGetRouteInfo serves GET_ROUTEINFO_BY_TOPIC (105): the topic's
// TopicRouteData, or TOPIC_NOT_EXIST. The route is encoded straight from
// the table into a pooled buffer.
func (s *Server) handleGetRouteInfo(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.GetRouteInfoRequestHeader
	if err := h.Decode(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	var orderConf string
	if s.cfg.OrderMessageEnable {
		orderConf, _ = s.kv.get(protocol.NamespaceOrderTopicConfig, h.Topic)
	}
	r := s.getReply()
	body, ok := s.routes.appendRoute(r.body[:0], &r.route, h.Topic, orderConf, routeKeys(req, h.AcceptStandardJSONOnly))
	if !ok {
		s.putReply(r)
		s.respond(c, req, protocol.RespTopicNotExist,
			"No topic route info in name server for the topic: "+h.Topic+routeNotFoundHint, nil)
		return
	}
	r.body = body
	r.cmd.InitResponse(protocol.RespSuccess, "")
	r.cmd.Body = body
	s.send(c, req, r)
}

// handleGetBrokerClusterInfo serves GET_BROKER_CLUSTER_INFO (106). Java
// always writes this body with bare integer keys; a V4_9_4+ request gets
// the same as here, because Java tools parse both.
func (s *Server) handleGetBrokerClusterInfo(c *netpoll.Conn, req *protocol.Command) {
	ci := s.routes.clusterInfo()
	r := s.getReply()
	r.body = protocol.AppendClusterInfo(r.body[:0], &ci, protocol.MapKeysBare)
	r.cmd.InitResponse(protocol.RespSuccess, "")
	r.cmd.Body = r.body
	s.send(c, req, r)
}

// handleGetAllTopicList serves GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206):
// every topic with queue data, system topics included, sorted.
func (s *Server) handleGetAllTopicList(c *netpoll.Conn, req *protocol.Command) {
	s.respondTopicList(c, req, &protocol.TopicList{Topics: s.routes.allTopics()})
}

// handleGetTopicsByCluster serves GET_TOPICS_BY_CLUSTER (224).
func (s *Server) handleGetTopicsByCluster(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.GetTopicsByClusterRequestHeader
	if err := h.Decode(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	s.respondTopicList(c, req, &protocol.TopicList{Topics: s.routes.topicsByCluster(h.Cluster)})
}

// handleGetSystemTopicList serves GET_SYSTEM_TOPIC_LIST_FROM_NS (304):
// cluster and broker names, plus one broker address.
func (s *Server) handleGetSystemTopicList(c *netpoll.Conn, req *protocol.Command) {
	l := s.routes.systemTopics()
	s.respondTopicList(c, req, &l)
}

func (s *Server) respondTopicList(c *netpoll.Conn, req *protocol.Command, l *protocol.TopicList) {
	r := s.getReply()
	if l.Topics == nil {
		l.Topics = []string{}
	}
	r.body = protocol.AppendTopicList(r.body[:0], l)
	r.cmd.InitResponse(protocol.RespSuccess, "")
	r.cmd.Body = r.body
	s.send(c, req, r)
}

// handleDeleteTopic serves DELETE_TOPIC_IN_NAMESRV (216): all of the
// topic's queue data, or only its clusterName's.
func (s *Server) handleDeleteTopic(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.DeleteTopicFromNamesrvRequestHeader
	if err := h.Decode(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	s.routes.deleteTopic(h.Topic, h.ClusterName)
	s.log.Info("topic deleted", "topic", h.Topic, "cluster", h.ClusterName, "remote", c.RemoteAddr())
	s.respond(c, req, protocol.RespSuccess, "", nil)
}

// handleWipeWritePerm serves WIPE_WRITE_PERM_OF_BROKER (205); the reply
// ext wipeTopicCount says how many topics changed.
func (s *Server) handleWipeWritePerm(c *netpoll.Conn, req *protocol.Command) {
	s.handleWritePerm(c, req, false, "wipeTopicCount")
}

// handleAddWritePerm serves ADD_WRITE_PERM_OF_BROKER (327); the reply ext
// addTopicCount says how many topics changed.
func (s *Server) handleAddWritePerm(c *netpoll.Conn, req *protocol.Command) {
	s.handleWritePerm(c, req, true, "addTopicCount")
}

func (s *Server) handleWritePerm(c *netpoll.Conn, req *protocol.Command, add bool, countKey string) {
	var h protocol.WritePermRequestHeader
	if err := h.Decode(req); err != nil {
		s.badRequest(c, req, err)
		return
	}
	n := s.routes.setWritePerm(h.BrokerName, add)
	s.log.Info("broker write permission changed", "brokerName", h.BrokerName, "add", add, "topics", n)
	r := s.getReply()
	r.cmd.InitResponse(protocol.RespSuccess, "")
	r.cmd.AddExtField(countKey, strconv.Itoa(n))
	s.send(c, req, r)
}
