package namesrv

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Defaults (J4 NamesrvStartup, RouteInfoManager, NamesrvConfig).
const (
	// DefaultAddr is the listen address: RocketMQ's NameServer port 9876.
	DefaultAddr = ":9876"
	// DefaultBrokerTimeout is how long a broker may go without registering
	// before it is dropped (J4 BROKER_CHANNEL_EXPIRED_TIME, 120 s).
	DefaultBrokerTimeout = 120 * time.Second
	// DefaultScanInterval is how often silent brokers are looked for
	// (J5 NamesrvConfig.scanNotActiveBrokerInterval, 5 s).
	DefaultScanInterval = 5 * time.Second
)

// ErrConfig reports an invalid Config field; the message names it.
var ErrConfig = errors.New("namesrv: invalid config")

// Config configures a Server. The zero value of every field means its
// default.
type Config struct {
	// Addr is the listen address, "host:port" (port 0 picks a free one);
	// "" means DefaultAddr. Unused when the server is attached to another
	// netpoll server with Register.
	Addr string
	// NumEventLoops is passed to netpoll; 0 means one per core.
	NumEventLoops int
	// IdleTimeout closes a connection silent for this long (RocketMQ's
	// serverChannelMaxIdleTimeSeconds); 0 means never. Brokers registered on
	// a closed connection are removed at once.
	IdleTimeout time.Duration
	// KVConfigPath is kvConfig.json, RocketMQ's kvConfigPath; "" keeps the
	// KV configuration in memory only.
	KVConfigPath string
	// OrderMessageEnable adds the ORDER_TOPIC_CONFIG KV value of a topic to
	// its route as orderTopicConf (RocketMQ's orderMessageEnable).
	OrderMessageEnable bool
	// BrokerTimeout is how long a broker address may go without a
	// registration before it is removed; 0 means DefaultBrokerTimeout.
	BrokerTimeout time.Duration
	// ScanInterval is how often expired brokers are removed
	// (scanNotActiveBrokerInterval); 0 means DefaultScanInterval.
	ScanInterval time.Duration
	// Properties is the effective configuration as properties text
	// ("key=value" lines), the body of GET_NAMESRV_CONFIG replies (what
	// mqadmin getNamesrvConfig shows); "" leaves that request unsupported.
	Properties string
	// Logger receives the server's log lines; nil means slog.Default().
	Logger *slog.Logger

	// now is the clock seam for liveness; nil means time.Now.
	now func() time.Time
}

// validate names the first bad field.
func (c *Config) validate() error {
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			return fmt.Errorf("%w: Addr %q: %v", ErrConfig, c.Addr, err)
		}
	}
	switch {
	case c.NumEventLoops < 0:
		return fmt.Errorf("%w: NumEventLoops is negative", ErrConfig)
	case c.IdleTimeout < 0:
		return fmt.Errorf("%w: IdleTimeout is negative", ErrConfig)
	case c.BrokerTimeout < 0:
		return fmt.Errorf("%w: BrokerTimeout is negative", ErrConfig)
	case c.ScanInterval < 0:
		return fmt.Errorf("%w: ScanInterval is negative", ErrConfig)
	}
	return nil
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.BrokerTimeout == 0 {
		c.BrokerTimeout = DefaultBrokerTimeout
	}
	if c.ScanInterval == 0 {
		c.ScanInterval = DefaultScanInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}
