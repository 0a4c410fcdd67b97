package client

import (
	"context"
	"log/slog"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// remoting is the client's transport: a netpoll.Client (one connection
// per address, pipelined, responses matched by opaque) plus the codec and
// language every request carries.
type remoting struct {
	serializeType protocol.SerializeType // immutable
	timeout       time.Duration          // immutable; default per request
	nc            *netpoll.Client
}

// onRequest serves a request a broker sends on a connection we opened
// (NOTIFY_CONSUMER_IDS_CHANGED, ...). It runs on the connection's reader
// goroutine and must not block.
type onRequest func(addr string, req *protocol.Command) *protocol.Command

func newRemoting(c *common, log *slog.Logger, serve onRequest) *remoting {
	return &remoting{
		serializeType: c.serializeType,
		timeout:       c.requestTimeout,
		nc: netpoll.NewClient(netpoll.ClientConfig{
			RequestTimeout: c.requestTimeout,
			OnRequest:      serve,
			Logger:         log,
		}),
	}
}

// initRequest makes c a request with code, in the configured codec.
func (r *remoting) initRequest(c *protocol.Command, code protocol.RequestCode) {
	c.InitRequest(code)
	c.Language = protocol.LanguageGo
	c.SerializeType = r.serializeType
}

// newRequest returns a fresh request with code.
func (r *remoting) newRequest(code protocol.RequestCode) *protocol.Command {
	c := new(protocol.Command)
	r.initRequest(c, code)
	return c
}

// invoke sends req and waits for its response, at most timeout (the
// configured request timeout when 0) unless ctx ends first.
func (r *remoting) invoke(ctx context.Context, addr string, req *protocol.Command, timeout time.Duration) (*protocol.Command, error) {
	if timeout > 0 && timeout != r.timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return r.nc.Invoke(ctx, addr, req)
}

// oneway sends req with the oneway flag: no response comes back.
func (r *remoting) oneway(ctx context.Context, addr string, req *protocol.Command) error {
	return r.nc.InvokeOneway(ctx, addr, req)
}

func (r *remoting) close() error { return r.nc.Close() }
