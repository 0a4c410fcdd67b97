package broker

import (
	"errors"

	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/protocol"
)

// Errors the processors return; respCode maps each to the response code the
// client sees (style.md rule 18: one place).
var (
	ErrConfig             = errors.New("broker: invalid config")
	ErrClosed             = errors.New("broker: closed")
	ErrStoreLocked        = errors.New("broker: store is in use by another broker (lock file held)")
	ErrTopicNotExist      = errors.New("broker: topic does not exist")
	ErrTopicNoPermission  = errors.New("broker: topic is not writable or readable here")
	ErrSystemTopic        = errors.New("broker: topic is a system topic and cannot be sent to")
	ErrQueueID            = errors.New("broker: queue id out of range")
	ErrMessageIllegal     = errors.New("broker: message illegal")
	ErrBodyTooLarge       = errors.New("broker: message body larger than maxMessageSize")
	ErrBadBatch           = errors.New("broker: malformed batch body")
	ErrGroupNotExist      = errors.New("broker: subscription group does not exist")
	ErrMessageNotFound    = errors.New("broker: no message at this offset")
	ErrBadRequest         = errors.New("broker: malformed request")
	ErrSubscriptionParse  = errors.New("broker: subscription expression does not parse")
	ErrFilterDataNotExist = errors.New("broker: filter data not registered by a heartbeat yet")
)

// respCode maps an error from a processor or the store to a response code.
func respCode(err error) protocol.ResponseCode {
	if err == nil {
		return protocol.RespSuccess
	}
	return errCode(err)
}

// errCode is respCode for a non-nil error (kept apart so that the nil case
// allocates nothing: errors.As makes its target escape).
func errCode(err error) protocol.ResponseCode {
	var he *protocol.HeaderError
	switch {
	case errors.Is(err, ErrTopicNotExist):
		return protocol.RespTopicNotExist
	case errors.Is(err, ErrTopicNoPermission), errors.Is(err, ErrSystemTopic):
		return protocol.RespNoPermission
	case errors.Is(err, ErrBodyTooLarge), errors.Is(err, ErrMessageIllegal), errors.Is(err, ErrBadBatch),
		errors.Is(err, mmapstore.ErrMessageTooLarge), errors.Is(err, mmapstore.ErrBatchTooLarge),
		errors.Is(err, mmapstore.ErrEmptyBatch), errors.Is(err, mmapstore.ErrBatchTransaction),
		errors.Is(err, protocol.ErrTopicTooLong), errors.Is(err, protocol.ErrPropertiesTooLong):
		return protocol.RespMessageIllegal
	case errors.Is(err, protocol.ErrTopicEmpty), errors.Is(err, protocol.ErrTopicChars), errors.Is(err, ErrQueueID):
		return protocol.RespSystemError
	case errors.Is(err, ErrBusy):
		return protocol.RespSystemBusy
	case errors.Is(err, mmapstore.ErrFlushTimeout):
		return protocol.RespFlushDiskTimeout
	case errors.Is(err, ErrClosed), errors.Is(err, mmapstore.ErrClosed), errors.Is(err, index.ErrClosed):
		return protocol.RespServiceNotAvailable
	case errors.Is(err, ErrGroupNotExist):
		return protocol.RespSubscriptionGroupNotExist
	case errors.Is(err, ErrSubscriptionParse):
		return protocol.RespSubscriptionParseFailed
	case errors.Is(err, ErrFilterDataNotExist):
		return protocol.RespFilterDataNotExist
	case errors.As(err, &he), errors.Is(err, ErrBadRequest):
		return protocol.RespSystemError
	}
	return protocol.RespSystemError
}
