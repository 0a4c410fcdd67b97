package client

import (
	"errors"
	"fmt"

	"github.com/fastmq/fastmq/protocol"
)

// Errors callers branch on.
var (
	ErrConfig            = errors.New("client: bad configuration")
	ErrNotStarted        = errors.New("client: not started")
	ErrClosed            = errors.New("client: shut down")
	ErrNoRoute           = errors.New("client: no route for topic")
	ErrNoQueue           = errors.New("client: no writable queue for topic")
	ErrMessageTooLarge   = errors.New("client: message body too large")
	ErrEmptyBatch        = errors.New("client: empty batch")
	ErrBatchTopics       = errors.New("client: batch messages must share one topic")
	ErrAsyncQueueFull    = errors.New("client: async send queue full")
	ErrNoNameServer      = errors.New("client: no NameServer answered")
	ErrBadResponse       = errors.New("client: malformed response")
	ErrSubscribeStarted  = errors.New("client: subscribe before Start")
	ErrInvalidTopic      = errors.New("client: invalid topic")
	ErrInvalidProperty   = errors.New("client: property holds a \\x01 or \\x02 byte")
	ErrBrokerNotFound    = errors.New("client: broker address unknown")
	ErrNoBrokerAvailable = errors.New("client: no broker available")
)

// BrokerError is a response code other than success from a broker or a
// NameServer.
type BrokerError struct {
	Op     string
	Addr   string
	Code   protocol.ResponseCode
	Remark string
}

func (e *BrokerError) Error() string {
	return fmt.Sprintf("client: %s at %s: %s (%d): %s", e.Op, e.Addr, e.Code, int32(e.Code), e.Remark)
}

func brokerError(op, addr string, resp *protocol.Command) error {
	return &BrokerError{Op: op, Addr: addr, Code: protocol.ResponseCode(resp.Code), Remark: resp.Remark}
}

func configError(opt, msg string) error {
	return fmt.Errorf("%w: %s: %s", ErrConfig, opt, msg)
}
