package broker

import (
	"errors"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// register installs every handler: the one table from request code to
// processor (style.md rule 5). Codes not listed are answered
// REQUEST_CODE_NOT_SUPPORTED by handleUnsupported.
func (b *Broker) register(srv *netpoll.Server) {
	table := map[protocol.RequestCode]netpoll.Handler{
		protocol.ReqSendMessage:                      b.handleSend,                   // send.go
		protocol.ReqSendMessageV2:                    b.handleSend,                   // send.go
		protocol.ReqSendBatchMessage:                 b.handleSend,                   // send.go
		protocol.ReqSendReplyMessage:                 b.handleSendReply,              // reply.go
		protocol.ReqSendReplyMessageV2:               b.handleSendReply,              // reply.go
		protocol.ReqPullMessage:                      b.handlePull,                   // pull.go
		protocol.ReqQueryConsumerOffset:              b.handleQueryOffset,            // offset.go
		protocol.ReqUpdateConsumerOffset:             b.handleUpdateOffset,           // offset.go
		protocol.ReqGetMaxOffset:                     b.handleMaxOffset,              // offset.go
		protocol.ReqGetMinOffset:                     b.handleMinOffset,              // offset.go
		protocol.ReqSearchOffsetByTimestamp:          b.handleSearchOffset,           // offset.go
		protocol.ReqGetEarliestMsgStoretime:          b.handleEarliestTime,           // offset.go
		protocol.ReqHeartBeat:                        b.handleHeartbeat,              // heartbeat.go
		protocol.ReqUnregisterClient:                 b.handleUnregister,             // heartbeat.go
		protocol.ReqGetConsumerListByGroup:           b.handleConsumerList,           // heartbeat.go
		protocol.ReqLockBatchMQ:                      b.handleLockBatch,              // lock.go
		protocol.ReqUnlockBatchMQ:                    b.handleUnlockBatch,            // lock.go
		protocol.ReqConsumerSendMsgBack:              b.handleSendBack,               // sendback.go
		protocol.ReqEndTransaction:                   b.handleEndTransaction,         // transaction.go
		protocol.ReqQueryMessage:                     b.handleQueryMessage,           // query.go
		protocol.ReqViewMessageByID:                  b.handleViewMessage,            // query.go
		protocol.ReqUpdateAndCreateTopic:             b.handleCreateTopic,            // admin.go
		protocol.ReqDeleteTopicInBroker:              b.handleDeleteTopic,            // admin.go
		protocol.ReqGetAllTopicConfig:                b.handleAllTopicConfig,         // admin.go
		protocol.ReqGetAllSubscriptionGroupConfig:    b.handleAllGroupConfig,         // admin.go
		protocol.ReqUpdateAndCreateSubscriptionGroup: b.handleCreateGroup,            // admin_groups.go
		protocol.ReqDeleteSubscriptionGroup:          b.handleDeleteGroup,            // admin_groups.go
		protocol.ReqGetAllConsumerOffset:             b.handleAllConsumerOffsets,     // admin_groups.go
		protocol.ReqGetAllDelayOffset:                b.handleAllDelayOffsets,        // admin_groups.go
		protocol.ReqGetTopicNameList:                 b.handleTopicNames,             // admin_groups.go
		protocol.ReqGetBrokerConfig:                  b.handleBrokerConfig,           // admin_groups.go
		protocol.ReqInvokeBrokerToResetOffset:        b.handleResetOffset,            // reset.go
		protocol.ReqGetConsumerRunningInfo:           b.handleConsumerRunningInfo,    // callconsumer.go
		protocol.ReqGetBrokerRuntimeInfo:             b.handleBrokerRuntimeInfo,      // stats.go
		protocol.ReqGetTopicStatsInfo:                b.handleTopicStats,             // stats.go
		protocol.ReqGetConsumeStats:                  b.handleConsumeStats,           // stats.go
		protocol.ReqGetConsumerConnectionList:        b.handleConsumerConnections,    // stats.go
		protocol.ReqGetProducerConnectionList:        b.handleProducerConnections,    // stats.go
		protocol.ReqConsumeMessageDirectly:           b.handleConsumeMessageDirectly, // callconsumer.go
	}
	for code, h := range table {
		srv.Handle(code, h)
	}
	srv.HandleDefault(b.handleUnsupported)
}

// handleUnsupported answers a request code this broker does not serve.
func (b *Broker) handleUnsupported(c *netpoll.Conn, req *protocol.Command) {
	code := protocol.RequestCode(req.Code)
	b.log.Debug("request code not supported", "code", int32(code), "name", code.String(), "remote", c.RemoteAddr())
	b.reply(c, req, protocol.RespRequestCodeNotSupported, "request code "+itoa(int64(code))+" ("+code.String()+") not supported", nil)
}

// reply answers req within its handler with a fresh response.
func (b *Broker) reply(c *netpoll.Conn, req *protocol.Command, code protocol.ResponseCode, remark string, fill func(*protocol.Command)) {
	resp := protocol.NewResponse(code, remark)
	resp.InitResponseTo(req, code, remark)
	if fill != nil {
		fill(resp)
	}
	if err := c.Reply(req, resp); err != nil && !errors.Is(err, netpoll.ErrConnClosed) {
		b.log.Warn("reply failed", "code", req.Code, "err", err)
	}
}

// replyError answers req with the response code err maps to and err's text
// as the remark, logging malformed requests.
func (b *Broker) replyError(c *netpoll.Conn, req *protocol.Command, err error) {
	code := respCode(err)
	var he *protocol.HeaderError
	if errors.As(err, &he) || errors.Is(err, ErrBadRequest) || errors.Is(err, ErrBadBatch) {
		b.log.Warn("bad request", "code", req.Code, "remote", c.RemoteAddr(), "err", err)
	} else {
		b.log.Debug("request refused", "code", req.Code, "remote", c.RemoteAddr(), "resp", code.String(), "err", err)
	}
	b.reply(c, req, code, err.Error(), nil)
}

// replyLater answers a request from any goroutine through its ReplyTo.
func (b *Broker) replyLater(to netpoll.ReplyTo, code protocol.ResponseCode, remark string, fill func(*protocol.Command)) {
	resp := protocol.NewResponse(code, remark)
	if fill != nil {
		fill(resp)
	}
	if err := to.Reply(resp); err != nil && !errors.Is(err, netpoll.ErrConnClosed) && !errors.Is(err, netpoll.ErrServerClosed) {
		b.log.Warn("reply failed", "err", err)
	}
}

// replyErrorLater is replyError through a ReplyTo.
func (b *Broker) replyErrorLater(to netpoll.ReplyTo, err error) {
	b.log.Debug("request refused", "err", err)
	b.replyLater(to, respCode(err), err.Error(), nil)
}
