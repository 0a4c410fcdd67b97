package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// errNoOffset: the broker has no offset stored for the group and queue
// (QUERY_NOT_FOUND), so where to start is the consumer's choice.
var errNoOffset = errors.New("client: no stored offset")

// queryOffset asks the queue's master for group's committed offset.
func (in *instance) queryOffset(ctx context.Context, group string, mq MessageQueue) (int64, error) {
	addr, err := in.masterFor(ctx, mq)
	if err != nil {
		return 0, err
	}
	req := in.rpc.newRequest(protocol.ReqQueryConsumerOffset)
	(&protocol.QueryConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: mq.Topic, QueueID: mq.QueueID}).Encode(req)
	resp, err := in.rpc.invoke(ctx, addr, req, 0)
	if err != nil {
		return 0, err
	}
	switch protocol.ResponseCode(resp.Code) {
	case protocol.RespSuccess:
	case protocol.RespQueryNotFound:
		return 0, errNoOffset
	default:
		return 0, brokerError("query offset", addr, resp)
	}
	var h protocol.OffsetResponseHeader
	if err := h.Decode(resp); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	return h.Offset, nil
}

// commitOffset stores group's offset for mq on the queue's master.
func (in *instance) commitOffset(ctx context.Context, group string, mq MessageQueue, offset int64) error {
	addr, err := in.masterFor(ctx, mq)
	if err != nil {
		return err
	}
	req := in.rpc.newRequest(protocol.ReqUpdateConsumerOffset)
	(&protocol.UpdateConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: mq.Topic, QueueID: mq.QueueID, CommitOffset: offset}).Encode(req)
	resp, err := in.rpc.invoke(ctx, addr, req, 0)
	if err != nil {
		return err
	}
	if resp.Code != int32(protocol.RespSuccess) {
		return brokerError("commit offset", addr, resp)
	}
	return nil
}

// queueOffset sends GET_MAX_OFFSET or GET_MIN_OFFSET for mq.
func (in *instance) queueOffset(ctx context.Context, code protocol.RequestCode, mq MessageQueue) (int64, error) {
	addr, err := in.masterFor(ctx, mq)
	if err != nil {
		return 0, err
	}
	req := in.rpc.newRequest(code)
	(&protocol.QueueRequestHeader{Topic: mq.Topic, QueueID: mq.QueueID}).Encode(req)
	return in.offsetReply(ctx, addr, req, code.String())
}

// searchOffset returns the offset of the first message stored at or
// after ts (SEARCH_OFFSET_BY_TIMESTAMP).
func (in *instance) searchOffset(ctx context.Context, mq MessageQueue, ts time.Time) (int64, error) {
	addr, err := in.masterFor(ctx, mq)
	if err != nil {
		return 0, err
	}
	req := in.rpc.newRequest(protocol.ReqSearchOffsetByTimestamp)
	(&protocol.SearchOffsetRequestHeader{Topic: mq.Topic, QueueID: mq.QueueID, Timestamp: ts.UnixMilli()}).Encode(req)
	return in.offsetReply(ctx, addr, req, "search offset")
}

func (in *instance) offsetReply(ctx context.Context, addr string, req *protocol.Command, op string) (int64, error) {
	resp, err := in.rpc.invoke(ctx, addr, req, 0)
	if err != nil {
		return 0, err
	}
	if resp.Code != int32(protocol.RespSuccess) {
		return 0, brokerError(op, addr, resp)
	}
	var h protocol.OffsetResponseHeader
	if err := h.Decode(resp); err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrBadResponse, op, err)
	}
	return h.Offset, nil
}

// masterFor returns the master address of mq's broker, refreshing the
// topic's route once when the broker is unknown.
func (in *instance) masterFor(ctx context.Context, mq MessageQueue) (string, error) {
	if a, ok := in.routes.masterAddr(mq.BrokerName); ok {
		return a, nil
	}
	if _, err := in.routes.update(ctx, mq.Topic); err != nil {
		return "", err
	}
	if a, ok := in.routes.masterAddr(mq.BrokerName); ok {
		return a, nil
	}
	return "", fmt.Errorf("%w: %s", ErrBrokerNotFound, mq.BrokerName)
}
