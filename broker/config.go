package broker

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fastmq/fastmq/mmapstore"
)

// Role is RocketMQ's brokerRole.
type Role int

const (
	// AsyncMaster (ASYNC_MASTER) answers sends without waiting for a slave.
	AsyncMaster Role = iota
	// SyncMaster (SYNC_MASTER) would wait for a slave; replication is not
	// implemented yet, so it behaves as AsyncMaster and says so at Open.
	SyncMaster
	// Slave (SLAVE) is not implemented: Open refuses it.
	Slave
)

// Defaults of the zero Config (RocketMQ BrokerConfig / MessageStoreConfig,
// storage-and-features.md §9).
const (
	DefaultClusterName              = "DefaultCluster"
	DefaultListenPort               = 10911
	DefaultTopicQueueNums           = 8
	DefaultMaxMessageSize           = 4 << 20
	DefaultRegisterPeriod           = 30 * time.Second
	DefaultFlushConsumerOffsetEvery = 5 * time.Second
	DefaultFlushDelayOffsetEvery    = 10 * time.Second
	DefaultClientExpiry             = 120 * time.Second
	DefaultClientScanInterval       = 10 * time.Second
	DefaultLockMaxLive              = 60 * time.Second
	DefaultMessageDelayLevel        = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"
	DefaultRegionID                 = "DefaultRegion"
	DefaultMaxReconsumeTimes        = 16
)

// Config configures a Broker. Field names follow RocketMQ's broker.conf
// keys; the zero value of every field means RocketMQ's default. cmd/mqbroker
// reads broker.conf and flags into it; nothing here reads the environment
// except the $HOME default of StorePathRootDir.
type Config struct {
	// BrokerClusterName; default DefaultCluster.
	BrokerClusterName string
	// BrokerName; default the host name.
	BrokerName string
	// BrokerID: 0 is the master. Only masters are implemented.
	BrokerID int64
	// BrokerIP1 is the address announced to NameServers and written as
	// the store host; default the host of ListenAddr when it names one
	// address, else the first non-loopback IPv4 address.
	BrokerIP1 string
	// ListenPort is the remoting port; default 10911.
	ListenPort int
	// ListenAddr, when set, is the exact listen address ("127.0.0.1:0" in
	// tests) and overrides ListenPort; the announced port is the bound one.
	ListenAddr string
	// NamesrvAddrs lists the NameServers ("host:port") to register with.
	NamesrvAddrs []string
	// StorePathRootDir; default $HOME/store.
	StorePathRootDir string
	// StorePathCommitLog; default <root>/commitlog.
	StorePathCommitLog string
	// BrokerRole; default AsyncMaster.
	BrokerRole Role
	// FlushDiskType; default async flush.
	FlushDiskType mmapstore.FlushDiskType
	// SyncFlushTimeout; default 5 s (mmapstore's).
	SyncFlushTimeout time.Duration
	// MappedFileSizeCommitLog; default 1 GiB.
	MappedFileSizeCommitLog int64
	// FileReservedTime; default 72 h. DeleteWhen; default "04".
	FileReservedTime time.Duration
	DeleteWhen       string
	// DisableAutoCreateTopic is autoCreateTopicEnable=false.
	DisableAutoCreateTopic bool
	// DisableAutoCreateSubscriptionGroup is autoCreateSubscriptionGroup=false.
	DisableAutoCreateSubscriptionGroup bool
	// DefaultTopicQueueNums: queues of TBW102; default 8.
	DefaultTopicQueueNums int
	// MaxMessageSize: largest body accepted; default 4 MiB.
	MaxMessageSize int
	// MessageDelayLevel: the delay levels, e.g. "1s 5s 10s 30s 1m"; default
	// RocketMQ's 18 levels.
	MessageDelayLevel string
	// RegisterNameServerPeriod; default 30 s.
	RegisterNameServerPeriod time.Duration
	// FlushConsumerOffsetInterval; default 5 s.
	FlushConsumerOffsetInterval time.Duration
	// FlushDelayOffsetInterval; default 10 s.
	FlushDelayOffsetInterval time.Duration
	// MaxHashSlotNum / MaxIndexNum shape the key-index files; defaults are
	// index's (5,000,000 / 20,000,000).
	MaxHashSlotNum, MaxIndexNum int
	// EnablePropertyFilter allows SQL92 subscriptions (RocketMQ
	// enablePropertyFilter, default false: they are refused).
	EnablePropertyFilter bool
	// DisableMessageIndex is messageIndexEnable=false.
	DisableMessageIndex bool
	// RegionID is returned as MSG_REGION; default DefaultRegion.
	RegionID string
	// DisableTrace answers TRACE_ON=false (traceOn=false).
	DisableTrace bool
	// AccessMessageInMemoryMaxRatio (percent of RAM): a pull whose first
	// record lies further behind the log's end is served off the event
	// loops; default 40.
	AccessMessageInMemoryMaxRatio int
	// TransactionTimeOut: a half message unresolved for this long is
	// checked with its producer; default 6 s.
	TransactionTimeOut time.Duration
	// TransactionCheckInterval: how often half messages are checked;
	// default 30 s.
	TransactionCheckInterval time.Duration
	// TransactionCheckMax: checks before a half message is given up;
	// default 15.
	TransactionCheckMax int
	// NumEventLoops for the remoting server; 0 means one per core.
	NumEventLoops int
	// Logger; nil means slog.Default().
	Logger *slog.Logger

	// Test seams.
	clientExpiry       time.Duration // default DefaultClientExpiry
	clientScanInterval time.Duration // default DefaultClientScanInterval
	coldReadBytes      int64         // overrides the cold-read distance; < 0: every pull is cold
	syncBacklogBytes   int64         // default DefaultSyncBacklogBytes
}

// Effective returns c with every zero field replaced by its default, as
// Open will use it (for printing the configuration).
func (c Config) Effective() Config { return c.withDefaults() }

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.BrokerClusterName == "" {
		c.BrokerClusterName = DefaultClusterName
	}
	if c.BrokerName == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "broker-a"
		}
		c.BrokerName = h
	}
	if c.BrokerIP1 == "" {
		c.BrokerIP1 = localIPv4()
		// A listener bound to one address is reachable only there.
		if host, _, err := net.SplitHostPort(c.ListenAddr); err == nil {
			if ip, err := netip.ParseAddr(host); err == nil && !ip.IsUnspecified() {
				c.BrokerIP1 = ip.String()
			}
		}
	}
	if c.ListenPort == 0 {
		c.ListenPort = DefaultListenPort
	}
	if c.StorePathRootDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		c.StorePathRootDir = filepath.Join(home, "store")
	}
	if c.StorePathCommitLog == "" {
		c.StorePathCommitLog = filepath.Join(c.StorePathRootDir, "commitlog")
	}
	if c.MappedFileSizeCommitLog == 0 {
		c.MappedFileSizeCommitLog = 1 << 30
	}
	if c.FileReservedTime == 0 {
		c.FileReservedTime = 72 * time.Hour
	}
	if c.DeleteWhen == "" {
		c.DeleteWhen = "04"
	}
	if c.SyncFlushTimeout == 0 {
		c.SyncFlushTimeout = 5 * time.Second
	}
	if c.DefaultTopicQueueNums == 0 {
		c.DefaultTopicQueueNums = DefaultTopicQueueNums
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MessageDelayLevel == "" {
		c.MessageDelayLevel = DefaultMessageDelayLevel
	}
	if c.RegisterNameServerPeriod == 0 {
		c.RegisterNameServerPeriod = DefaultRegisterPeriod
	}
	if c.FlushConsumerOffsetInterval == 0 {
		c.FlushConsumerOffsetInterval = DefaultFlushConsumerOffsetEvery
	}
	if c.FlushDelayOffsetInterval == 0 {
		c.FlushDelayOffsetInterval = DefaultFlushDelayOffsetEvery
	}
	if c.AccessMessageInMemoryMaxRatio == 0 {
		c.AccessMessageInMemoryMaxRatio = 40
	}
	if c.TransactionTimeOut == 0 {
		c.TransactionTimeOut = 6 * time.Second
	}
	if c.TransactionCheckInterval == 0 {
		c.TransactionCheckInterval = 30 * time.Second
	}
	if c.TransactionCheckMax == 0 {
		c.TransactionCheckMax = 15
	}
	if c.RegionID == "" {
		c.RegionID = DefaultRegionID
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.clientExpiry == 0 {
		c.clientExpiry = DefaultClientExpiry
	}
	if c.clientScanInterval == 0 {
		c.clientScanInterval = DefaultClientScanInterval
	}
	if c.syncBacklogBytes == 0 {
		c.syncBacklogBytes = DefaultSyncBacklogBytes
	}
	return c
}

// validate names the first bad field of a defaulted config.
func (c *Config) validate() error {
	switch {
	case c.BrokerID != 0 || c.BrokerRole == Slave:
		return fmt.Errorf("%w: brokerId %d / brokerRole SLAVE: slaves are not implemented yet", ErrConfig, c.BrokerID)
	case c.ListenPort < 0 || c.ListenPort > 65535:
		return fmt.Errorf("%w: listenPort %d", ErrConfig, c.ListenPort)
	case c.DefaultTopicQueueNums < 1 || c.DefaultTopicQueueNums > 1024:
		return fmt.Errorf("%w: defaultTopicQueueNums %d", ErrConfig, c.DefaultTopicQueueNums)
	case c.MaxMessageSize < 1:
		return fmt.Errorf("%w: maxMessageSize %d", ErrConfig, c.MaxMessageSize)
	case !validName(c.BrokerClusterName):
		return fmt.Errorf("%w: brokerClusterName %q", ErrConfig, c.BrokerClusterName)
	case !validName(c.BrokerName):
		return fmt.Errorf("%w: brokerName %q", ErrConfig, c.BrokerName)
	}
	if _, err := netip.ParseAddr(c.BrokerIP1); err != nil {
		return fmt.Errorf("%w: brokerIP1 %q: %v", ErrConfig, c.BrokerIP1, err)
	}
	if _, err := ParseDelayLevels(c.MessageDelayLevel); err != nil {
		return fmt.Errorf("%w: messageDelayLevel: %v", ErrConfig, err)
	}
	for _, a := range c.NamesrvAddrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("%w: namesrvAddr %q: %v", ErrConfig, a, err)
		}
	}
	return nil
}

// validName reports whether s is usable as a cluster or broker name.
func validName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\r\n;\"\\")
}

// listenAddr is the address the remoting server binds.
func (c *Config) listenAddr() string {
	if c.ListenAddr != "" {
		return c.ListenAddr
	}
	return fmt.Sprintf(":%d", c.ListenPort)
}

// localIPv4 returns the first up, non-loopback IPv4 address, or 127.0.0.1.
func localIPv4() string {
	ifs, err := net.Interfaces()
	if err != nil {
		return "127.0.0.1"
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				return n.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

// ParseDelayLevels parses messageDelayLevel ("1s 5s 1m 2h 1d"; "ms" is
// accepted too): level i+1 waits the i-th duration.
func ParseDelayLevels(s string) ([]time.Duration, error) {
	units := []struct {
		suffix string
		d      time.Duration
	}{{"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	var out []time.Duration
	for _, f := range strings.Fields(s) {
		var d time.Duration
		for _, u := range units {
			num, ok := strings.CutSuffix(f, u.suffix)
			if !ok {
				continue
			}
			n, err := strconv.ParseInt(num, 10, 32)
			if err != nil || n < 0 {
				break
			}
			d = time.Duration(n) * u.d
			break
		}
		if d == 0 && !strings.HasPrefix(f, "0") {
			return nil, fmt.Errorf("bad level %q", f)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no levels in %q", s)
	}
	return out, nil
}
