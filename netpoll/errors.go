package netpoll

import (
	"context"
	"errors"
	"fmt"
)

// Errors callers branch on. Each is returned as is or wrapped with %w.
var (
	// ErrServerClosed: the server was closed (or never started) before the
	// operation could complete.
	ErrServerClosed = errors.New("netpoll: server closed")
	// ErrServerStarted: Start, Handle, HandleDefault or OnClose was called
	// after Start.
	ErrServerStarted = errors.New("netpoll: server already started")
	// ErrConnClosed: the connection closed before the write was done or the
	// response arrived.
	ErrConnClosed = errors.New("netpoll: connection closed")
	// ErrClientClosed: the client was closed.
	ErrClientClosed = errors.New("netpoll: client closed")
	// ErrTimeout: no response arrived in time. The error returned also
	// matches the context's own error (context.DeadlineExceeded or
	// context.Canceled) when the context ended the wait.
	ErrTimeout = errors.New("netpoll: request timed out")
	// ErrNotInHandler: Reply or ReplyVec was called outside the handler
	// call that received the request (use ReplyLater from other goroutines).
	ErrNotInHandler = errors.New("netpoll: Reply called outside the request's handler")
	// ErrQueueFull: the client's outbound queue for one connection holds
	// more than ClientConfig.MaxQueuedBytes; the request was not sent.
	ErrQueueFull = errors.New("netpoll: outbound queue full")
	// ErrConfig: a Config or ClientConfig field is invalid; the error names
	// the field.
	ErrConfig = errors.New("netpoll: invalid config")
)

// timeoutError wraps ErrTimeout together with the context error that ended
// the wait, if any, so that errors.Is matches both.
func timeoutError(ctx context.Context) error {
	if ctx != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
	return ErrTimeout
}

// configError names the bad field of a configuration.
func configError(field, problem string) error {
	return fmt.Errorf("%w: %s %s", ErrConfig, field, problem)
}
