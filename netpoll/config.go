package netpoll

import (
	"log/slog"
	"net"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// Defaults for zero Config fields.
const (
	// DefaultReadBufferBytes is the per-event-loop read buffer: frames that
	// fit in it and arrive whole are decoded in place, without a copy.
	DefaultReadBufferBytes = 64 << 10
	// DefaultMaxOutboundBytes is the default Config.MaxOutboundBytes.
	DefaultMaxOutboundBytes = 64 << 20
	// minFrameBytes is the smallest frame limit accepted: a frame must at
	// least hold its length prefix, header-length word and a small header.
	minFrameBytes = 64
	// maxTickInterval bounds how stale the idle clock may get.
	maxTickInterval = time.Second
	// minTickInterval bounds how often the idle scan may run.
	minTickInterval = 10 * time.Millisecond
)

// Config configures a Server. The zero value of every field but Addr means
// its default.
type Config struct {
	// Addr is the listen address, "host:port"; port 0 picks a free port
	// (read it back with Server.Addr).
	Addr string
	// NumEventLoops is the number of event loops; 0 means one per core
	// (runtime.NumCPU, which honours the affinity mask).
	NumEventLoops int
	// MaxFrameBytes limits a frame, its 4-byte length prefix included; 0
	// means protocol.DefaultMaxFrameBytes (16 MiB). A larger frame closes
	// its connection.
	MaxFrameBytes int
	// IdleTimeout closes a connection that has neither received nor sent
	// anything for this long; 0 means never.
	IdleTimeout time.Duration
	// ReadBufferBytes is each event loop's read buffer; 0 means
	// DefaultReadBufferBytes. gnet rounds it up to a power of two.
	ReadBufferBytes int
	// SocketSendBufferBytes sets SO_SNDBUF on accepted sockets; 0 leaves
	// the OS default. A larger buffer lets big vectored replies go to the
	// kernel without being copied into gnet's outbound buffer.
	SocketSendBufferBytes int
	// MaxOutboundBytes bounds what one connection may have waiting in
	// gnet's outbound buffer (replies the peer is not reading); beyond it
	// the connection is closed with a log line, as a slow consumer. 0 means
	// DefaultMaxOutboundBytes.
	MaxOutboundBytes int
	// Logger receives the server's log lines; nil means slog.Default().
	Logger *slog.Logger

	// now is the clock seam for the idle scan; nil means time.Now.
	now func() time.Time
}

// validate checks c and names the first bad field.
func (c *Config) validate() error {
	if c.Addr == "" {
		return configError("Addr", "is empty")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return configError("Addr", "is not host:port: "+err.Error())
	}
	switch {
	case c.NumEventLoops < 0:
		return configError("NumEventLoops", "is negative")
	case c.MaxFrameBytes != 0 && c.MaxFrameBytes < minFrameBytes:
		return configError("MaxFrameBytes", "is below 64 bytes")
	case c.IdleTimeout < 0:
		return configError("IdleTimeout", "is negative")
	case c.ReadBufferBytes < 0:
		return configError("ReadBufferBytes", "is negative")
	case c.SocketSendBufferBytes < 0:
		return configError("SocketSendBufferBytes", "is negative")
	case c.MaxOutboundBytes < 0:
		return configError("MaxOutboundBytes", "is negative")
	}
	return nil
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.MaxFrameBytes == 0 {
		c.MaxFrameBytes = protocol.DefaultMaxFrameBytes
	}
	if c.ReadBufferBytes == 0 {
		c.ReadBufferBytes = DefaultReadBufferBytes
	}
	if c.MaxOutboundBytes == 0 {
		c.MaxOutboundBytes = DefaultMaxOutboundBytes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// tickInterval is how often the idle scan runs: a quarter of the idle
// timeout, clamped, so a connection is closed at most about half an
// IdleTimeout late.
func (c *Config) tickInterval() time.Duration {
	return min(max(c.IdleTimeout/4, minTickInterval), maxTickInterval)
}
