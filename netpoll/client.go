package netpoll

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// Client defaults.
const (
	DefaultDialTimeout    = 3 * time.Second
	DefaultRequestTimeout = 3 * time.Second
	DefaultMaxQueuedBytes = 64 << 20
	DefaultWriteTimeout   = 30 * time.Second
)

// ClientConfig configures a Client. The zero value works.
type ClientConfig struct {
	// DialTimeout bounds connecting; 0 means DefaultDialTimeout.
	DialTimeout time.Duration
	// RequestTimeout bounds Invoke when its context has no deadline; 0
	// means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxFrameBytes limits inbound frames; 0 means
	// protocol.DefaultMaxFrameBytes. A larger frame closes the connection.
	MaxFrameBytes int
	// WriteTimeout bounds how long a write may go without the peer taking
	// a single byte (a peer that is alive but no longer reads); the
	// connection is then closed and its requests fail with ErrConnClosed,
	// instead of the caller doing the write hanging past its deadline. 0
	// means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// MaxQueuedBytes limits the encoded requests waiting to be written on one
	// connection; beyond it Invoke fails fast with ErrQueueFull. 0 means
	// DefaultMaxQueuedBytes.
	MaxQueuedBytes int
	// OnRequest serves requests the server sends on a connection the client
	// opened (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE, ...).
	// It runs on the connection's reader goroutine and must not block; req
	// owns its memory. A non-nil result is sent back as the response (the
	// client sets its opaque, flag and codec) unless req is oneway. Nil
	// OnRequest answers REQUEST_CODE_NOT_SUPPORTED.
	OnRequest func(addr string, req *protocol.Command) *protocol.Command
	// Logger receives the client's log lines; nil means slog.Default().
	Logger *slog.Logger

	// dial is the dialing seam; nil means a net.Dialer.
	dial func(ctx context.Context, addr string) (net.Conn, error)
}

func (c *ClientConfig) validate() error {
	switch {
	case c.DialTimeout < 0:
		return configError("DialTimeout", "is negative")
	case c.RequestTimeout < 0:
		return configError("RequestTimeout", "is negative")
	case c.MaxFrameBytes != 0 && c.MaxFrameBytes < minFrameBytes:
		return configError("MaxFrameBytes", "is below 64 bytes")
	case c.MaxQueuedBytes < 0:
		return configError("MaxQueuedBytes", "is negative")
	case c.WriteTimeout < 0:
		return configError("WriteTimeout", "is negative")
	}
	return nil
}

func (c ClientConfig) withDefaults() ClientConfig {
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxFrameBytes == 0 {
		c.MaxFrameBytes = protocol.DefaultMaxFrameBytes
	}
	if c.MaxQueuedBytes == 0 {
		c.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.dial == nil {
		d := &net.Dialer{}
		c.dial = func(ctx context.Context, addr string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	return c
}

// Client sends requests to remoting servers over a pool of connections, one
// per address, opened on first use and reopened on the next request after
// one breaks. Many requests may be in flight on one connection (pipelining);
// responses are matched by opaque. Safe for concurrent use.
//
// Goroutines it owns: one reader and one flusher per open connection
// (labelled netpoll=client-reader and netpoll=client-flusher, addr=...),
// stopped and awaited by Close.
type Client struct {
	cfg        ClientConfig // immutable; defaults applied
	log        *slog.Logger
	lastOpaque atomic.Int32

	mu struct {
		sync.Mutex
		conns  map[string]*clientConn
		closed bool
	}
	readers sync.WaitGroup // connections' readers and flushers
}

// NewClient returns a client. An invalid cfg is a programming error: the
// client logs it and uses defaults for the bad fields' zero values instead.
func NewClient(cfg ClientConfig) *Client {
	if err := cfg.validate(); err != nil {
		cfg.Logger = orDefault(cfg.Logger)
		cfg.Logger.Error("netpoll: bad client config; using defaults", "err", err)
		cfg = ClientConfig{OnRequest: cfg.OnRequest, Logger: cfg.Logger, dial: cfg.dial}
	}
	cl := &Client{cfg: cfg.withDefaults()}
	cl.log = cl.cfg.Logger
	cl.mu.conns = make(map[string]*clientConn)
	return cl
}

func orDefault(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// Invoke sends req to addr and waits for the response until ctx ends (or
// RequestTimeout passes, if ctx has no deadline). It sets req's opaque and
// clears its flag bits; req may be reused on return. The response owns its
// memory. A request lost with its connection fails with ErrConnClosed; it is
// not resent (requests are not all idempotent), but the next call reconnects.
func (cl *Client) Invoke(ctx context.Context, addr string, req *protocol.Command) (*protocol.Command, error) {
	cc, err := cl.conn(ctx, addr)
	if err != nil {
		return nil, err
	}
	opaque := cl.lastOpaque.Add(1)
	req.Opaque = opaque
	req.Flag = 0
	c := getCall()
	if err := cc.calls.add(opaque, c); err != nil {
		putCall(c)
		return nil, err
	}
	if err := cc.write(req); err != nil {
		abandonCall(&cc.calls, opaque, c)
		return nil, err
	}
	var timeout time.Duration
	if _, ok := ctx.Deadline(); !ok {
		timeout = cl.cfg.RequestTimeout
	}
	return waitCall(ctx, &cc.calls, opaque, c, timeout)
}

// InvokeAsync sends req to addr and returns once it is queued for writing
// (req is encoded by then and may be reused). fn runs exactly once: with
// the response (which owns its memory), with ErrTimeout after timeout (0
// means RequestTimeout), or with the connection's close error. fn runs on
// the connection's reader goroutine or a timer goroutine: it must be quick
// and must not block. ctx bounds only connecting. While other requests on
// the connection await responses, the write is left to the connection's
// flusher, which gathers many requests into one write. If InvokeAsync returns an
// error, the request was not sent and fn never runs. It sets req's opaque
// and clears its flag bits.
func (cl *Client) InvokeAsync(ctx context.Context, addr string, req *protocol.Command, timeout time.Duration, fn func(*protocol.Command, error)) error {
	cc, err := cl.conn(ctx, addr)
	if err != nil {
		return err
	}
	if timeout <= 0 {
		timeout = cl.cfg.RequestTimeout
	}
	opaque := cl.lastOpaque.Add(1)
	req.Opaque = opaque
	req.Flag = 0
	if err := asyncCall(&cc.calls, opaque, timeout, fn); err != nil {
		return err
	}
	if err := cc.send(req, cc.pipelined()); err != nil && abandonAsync(&cc.calls, opaque) {
		return err
	}
	return nil
}

// InvokeOneway sends req to addr with the oneway flag set and returns once
// it is queued for writing: no response comes back.
func (cl *Client) InvokeOneway(ctx context.Context, addr string, req *protocol.Command) error {
	cc, err := cl.conn(ctx, addr)
	if err != nil {
		return err
	}
	req.Opaque = cl.lastOpaque.Add(1)
	req.Flag = protocol.FlagOneway
	return cc.write(req)
}

// conn returns the open connection to addr, dialing it if there is none.
// Concurrent callers share one dial.
func (cl *Client) conn(ctx context.Context, addr string) (*clientConn, error) {
	cl.mu.Lock()
	if cl.mu.closed {
		cl.mu.Unlock()
		return nil, ErrClientClosed
	}
	cc := cl.mu.conns[addr]
	if cc != nil && cc.dead.Load() {
		delete(cl.mu.conns, addr) // shut is forgetting it right now
		cc = nil
	}
	if cc == nil {
		cc = newClientConn(cl, addr)
		cl.mu.conns[addr] = cc
		cl.mu.Unlock()
		cc.dial(ctx)
	} else {
		cl.mu.Unlock()
	}
	select {
	case <-cc.ready:
	case <-ctx.Done():
		return nil, timeoutError(ctx)
	}
	if cc.dialErr != nil {
		return nil, cc.dialErr
	}
	return cc, nil
}

// forget removes cc from the pool if it is still the connection for its
// address, so that the next request dials anew.
func (cl *Client) forget(cc *clientConn) {
	cl.mu.Lock()
	if cl.mu.conns[cc.addr] == cc {
		delete(cl.mu.conns, cc.addr)
	}
	cl.mu.Unlock()
}

// Close closes every connection, fails requests in flight with
// ErrClientClosed and waits for the readers and flushers. Safe to call twice.
func (cl *Client) Close() error {
	cl.mu.Lock()
	if cl.mu.closed {
		cl.mu.Unlock()
		return nil
	}
	cl.mu.closed = true
	conns := cl.mu.conns
	cl.mu.conns = nil
	cl.mu.Unlock()
	for _, cc := range conns {
		<-cc.ready
		cc.shut(ErrClientClosed)
	}
	cl.readers.Wait()
	return nil
}
