package client

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// PullStatus is the outcome of one pull.
type PullStatus uint8

const (
	// PullFound: Messages holds what was found.
	PullFound PullStatus = iota
	// PullNoNewMsg: nothing at or after the offset (yet).
	PullNoNewMsg
	// PullNoMatchedMsg: entries were examined but none matched the tags.
	PullNoMatchedMsg
	// PullOffsetIllegal: the offset was out of the queue's range;
	// NextBeginOffset says where to go on.
	PullOffsetIllegal
)

func (s PullStatus) String() string {
	return [...]string{"FOUND", "NO_NEW_MSG", "NO_MATCHED_MSG", "OFFSET_ILLEGAL"}[s]
}

// PullResult is one pull's answer.
type PullResult struct {
	Status          PullStatus
	NextBeginOffset int64
	MinOffset       int64
	MaxOffset       int64
	// SuggestBrokerID is the broker id the next pull should go to.
	SuggestBrokerID int64
	Messages        []*MessageExt
}

// subscription is a parsed tag expression ("*", "a || b").
type subscription struct {
	topic   string
	expr    string
	tags    []string // empty for all
	codes   []int32
	version int64 // ms when subscribed
}

func parseSubscription(topic, expr string, now time.Time) subscription {
	s := subscription{topic: topic, expr: strings.TrimSpace(expr), version: now.UnixMilli()}
	if s.expr == "" || s.expr == "*" {
		s.expr = "*"
		return s
	}
	for _, t := range strings.Split(s.expr, "||") {
		if t = strings.TrimSpace(t); t != "" {
			s.tags = append(s.tags, t)
			s.codes = append(s.codes, protocol.JavaStringHash([]byte(t)))
		}
	}
	return s
}

// matches reports whether a message with tag is wanted; the broker
// filters on tag hashes, the client again on exact tags (collisions).
func (s *subscription) matches(tag string) bool {
	if len(s.tags) == 0 {
		return true
	}
	for _, t := range s.tags {
		if t == tag {
			return true
		}
	}
	return false
}

func (s *subscription) data() protocol.SubscriptionData {
	return protocol.SubscriptionData{
		Topic: s.topic, SubString: s.expr, TagsSet: s.tags, CodeSet: s.codes,
		SubVersion: s.version, ExpressionType: protocol.ExpressionTypeTag,
	}
}

// pullRequest is one PULL_MESSAGE.
type pullRequest struct {
	group        string
	mq           MessageQueue
	offset       int64
	maxNums      int
	commitOffset int64 // sent with PullSysFlagCommitOffset when >= 0
	suspend      time.Duration
	timeout      time.Duration
	sub          *subscription
	postSub      bool // send the subscription with the pull (pull consumer)
	brokerID     int64
}

// pull sends one PULL_MESSAGE and decodes the answer.
func (in *instance) pull(ctx context.Context, r pullRequest) (*PullResult, error) {
	addr, ok := in.routes.brokerAddr(r.mq.BrokerName, r.brokerID)
	if !ok {
		if _, err := in.routes.update(ctx, r.mq.Topic); err != nil {
			return nil, err
		}
		if addr, ok = in.routes.brokerAddr(r.mq.BrokerName, r.brokerID); !ok {
			return nil, fmt.Errorf("%w: %s", ErrBrokerNotFound, r.mq.BrokerName)
		}
	}
	h := protocol.PullMessageRequestHeader{
		ConsumerGroup: r.group, Topic: r.mq.Topic, QueueID: r.mq.QueueID,
		QueueOffset: r.offset, MaxMsgNums: int32(r.maxNums), CommitOffset: 0,
		SuspendTimeoutMillis: r.suspend.Milliseconds(), ExpressionType: protocol.ExpressionTypeTag,
	}
	if r.suspend > 0 {
		h.SysFlag |= protocol.PullSysFlagSuspend
	}
	if r.commitOffset >= 0 {
		h.SysFlag |= protocol.PullSysFlagCommitOffset
		h.CommitOffset = r.commitOffset
	}
	if r.postSub {
		h.SysFlag |= protocol.PullSysFlagSubscription
		h.Subscription = r.sub.expr
	}
	req := in.rpc.newRequest(protocol.ReqPullMessage)
	h.Encode(req)
	resp, err := in.rpc.invoke(ctx, addr, req, r.timeout)
	if err != nil {
		return nil, fmt.Errorf("client: pull %s@%s:%d from %s: %w", r.mq.Topic, r.mq.BrokerName, r.mq.QueueID, addr, err)
	}
	return decodePull(resp, r, addr)
}

func decodePull(resp *protocol.Command, r pullRequest, addr string) (*PullResult, error) {
	res := &PullResult{}
	switch protocol.ResponseCode(resp.Code) {
	case protocol.RespSuccess:
		res.Status = PullFound
	case protocol.RespPullNotFound:
		res.Status = PullNoNewMsg
	case protocol.RespPullRetryImmediately:
		res.Status = PullNoMatchedMsg
	case protocol.RespPullOffsetMoved:
		res.Status = PullOffsetIllegal
	default:
		return nil, brokerError("pull", addr, resp)
	}
	var h protocol.PullMessageResponseHeader
	if err := h.Decode(resp); err != nil {
		return nil, fmt.Errorf("%w: pull reply from %s: %v", ErrBadResponse, addr, err)
	}
	res.NextBeginOffset, res.MinOffset, res.MaxOffset = h.NextBeginOffset, h.MinOffset, h.MaxOffset
	res.SuggestBrokerID = h.SuggestWhichBrokerID
	if res.Status != PullFound {
		return res, nil
	}
	msgs, err := decodeMessages(resp.Body, r.mq)
	if err != nil {
		return nil, fmt.Errorf("%w: pull body from %s: %v", ErrBadResponse, addr, err)
	}
	minOff, maxOff := strconv.FormatInt(res.MinOffset, 10), strconv.FormatInt(res.MaxOffset, 10)
	kept := msgs[:0] // filtered in place: msgs is this pull's own slice
	for _, m := range msgs {
		if r.sub == nil || r.sub.matches(m.Tags) {
			m.Properties[protocol.PropertyMinOffset] = minOff
			m.Properties[protocol.PropertyMaxOffset] = maxOff
			kept = append(kept, m)
		}
	}
	if len(kept) > 0 {
		res.Messages = kept
	}
	return res, nil
}
