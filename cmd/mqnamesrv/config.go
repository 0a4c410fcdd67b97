package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/fastmq/fastmq/namesrv"
)

// settings are the NameServer keys a RocketMQ user sets in namesrv.conf
// (J4/J5 NamesrvConfig and NettyServerConfig), with RocketMQ's defaults.
type settings struct {
	rocketmqHome                    string
	kvConfigPath                    string
	configStorePath                 string
	orderMessageEnable              bool
	scanNotActiveBrokerIntervalMs   int64
	listenPort                      int
	bindAddress                     string
	serverSelectorThreads           int // 0: one event loop per core
	serverChannelMaxIdleTimeSeconds int
	// inert holds keys RocketMQ knows that have no effect here, by key.
	inert map[string]string
}

// inertKeys are RocketMQ NameServer keys accepted without effect (thread
// pools, Netty buffers, 5.x controller switches), with RocketMQ's defaults;
// -p prints them so a user sees they were read.
var inertKeys = []struct{ key, def string }{
	{"productEnvName", "center"},
	{"clusterTest", "false"},
	{"returnOrderTopicConfigToBroker", "true"},
	{"clientRequestThreadPoolNums", "8"},
	{"defaultThreadPoolNums", "16"},
	{"clientRequestThreadPoolQueueCapacity", "50000"},
	{"defaultThreadPoolQueueCapacity", "10000"},
	{"unRegisterBrokerQueueCapacity", "3000"},
	{"supportActingMaster", "false"},
	{"enableAllTopicList", "true"},
	{"enableTopicList", "true"},
	{"notifyMinBrokerIdChanged", "false"},
	{"enableControllerInNamesrv", "false"},
	{"needWaitForService", "false"},
	{"waitSecondsForService", "45"},
	{"deleteTopicWithBrokerRegistration", "false"},
	{"configBlackList", "configBlackList;configStorePath;kvConfigPath"},
	{"serverWorkerThreads", "8"},
	{"serverCallbackExecutorThreads", "0"},
	{"serverOnewaySemaphoreValue", "256"},
	{"serverAsyncSemaphoreValue", "64"},
	{"serverSocketSndBufSize", "0"},
	{"serverSocketRcvBufSize", "0"},
	{"writeBufferHighWaterMark", "0"},
	{"writeBufferLowWaterMark", "0"},
	{"serverSocketBacklog", "1024"},
	{"serverPooledByteBufAllocatorEnable", "true"},
	{"serverNettyWorkerGroupEnable", "true"},
	{"useEpollNativeSelector", "false"},
	{"enableShutdownGracefully", "false"},
	{"shutdownWaitTimeSeconds", "30"},
}

// defaultSettings returns RocketMQ's defaults; home is the user's home
// directory (kvConfig.json lives in ~/namesrv/).
func defaultSettings(home string) *settings {
	s := &settings{
		rocketmqHome:                    os.Getenv("ROCKETMQ_HOME"),
		kvConfigPath:                    filepath.Join(home, "namesrv", "kvConfig.json"),
		configStorePath:                 filepath.Join(home, "namesrv", "namesrv.properties"),
		scanNotActiveBrokerIntervalMs:   5000,
		listenPort:                      9876,
		bindAddress:                     "0.0.0.0",
		serverChannelMaxIdleTimeSeconds: 120,
		inert:                           map[string]string{},
	}
	for _, k := range inertKeys {
		s.inert[k.key] = k.def
	}
	return s
}

// apply sets one key. An unknown key is reported (warned about by the
// caller, never silently dropped); a bad value is an error.
func (s *settings) apply(key, value string) (known bool, err error) {
	bad := func(err error) (bool, error) { return true, fmt.Errorf("%s=%q: %v", key, value, err) }
	switch key {
	case "rocketmqHome":
		s.rocketmqHome = value
	case "kvConfigPath":
		s.kvConfigPath = value
	case "configStorePath":
		s.configStorePath = value
	case "orderMessageEnable":
		v, err := strconv.ParseBool(value)
		if err != nil {
			return bad(err)
		}
		s.orderMessageEnable = v
	case "scanNotActiveBrokerInterval":
		v, err := strconv.ParseInt(value, 10, 64)
		if err == nil && v <= 0 {
			err = fmt.Errorf("must be positive (milliseconds)")
		}
		if err != nil {
			return bad(err)
		}
		s.scanNotActiveBrokerIntervalMs = v
	case "listenPort":
		v, err := strconv.Atoi(value)
		if err == nil && (v < 0 || v > 65535) {
			err = fmt.Errorf("not a port")
		}
		if err != nil {
			return bad(err)
		}
		s.listenPort = v
	case "bindAddress":
		s.bindAddress = value
	case "serverSelectorThreads":
		v, err := strconv.Atoi(value)
		if err == nil && v < 0 {
			err = fmt.Errorf("negative")
		}
		if err != nil {
			return bad(err)
		}
		s.serverSelectorThreads = v
	case "serverChannelMaxIdleTimeSeconds":
		v, err := strconv.Atoi(value)
		if err == nil && v < 0 {
			err = fmt.Errorf("negative")
		}
		if err != nil {
			return bad(err)
		}
		s.serverChannelMaxIdleTimeSeconds = v
	default:
		if _, ok := s.inert[key]; !ok {
			return false, nil
		}
		s.inert[key] = value
	}
	return true, nil
}

// load applies a properties file, warning on unknown keys.
func (s *settings) load(path string, log *slog.Logger) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	props, err := parseProperties(string(b))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, p := range props {
		known, err := s.apply(p.Key, p.Value)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, p.Line, err)
		}
		if !known {
			log.Warn("unknown configuration key ignored", "file", path, "line", p.Line, "key", p.Key)
		}
	}
	return nil
}

// addr returns the listen address: bindAddress:listenPort.
func (s *settings) addr() string {
	return net.JoinHostPort(s.bindAddress, strconv.Itoa(s.listenPort))
}

// config maps the settings onto namesrv.Config.
func (s *settings) config(listen string, log *slog.Logger) namesrv.Config {
	if listen == "" {
		listen = s.addr()
	}
	return namesrv.Config{
		Addr:               listen,
		NumEventLoops:      s.serverSelectorThreads,
		KVConfigPath:       s.kvConfigPath,
		OrderMessageEnable: s.orderMessageEnable,
		ScanInterval:       time.Duration(s.scanNotActiveBrokerIntervalMs) * time.Millisecond,
		IdleTimeout:        time.Duration(s.serverChannelMaxIdleTimeSeconds) * time.Second,
		Logger:             log,
	}
}

// print writes the effective configuration as key=value lines, the
// NameServer keys first and the transport keys after, as mqnamesrv -p does.
func (s *settings) print(w io.Writer) error {
	lines := []struct{ k, v string }{
		{"rocketmqHome", s.rocketmqHome},
		{"kvConfigPath", s.kvConfigPath},
		{"configStorePath", s.configStorePath},
		{"orderMessageEnable", strconv.FormatBool(s.orderMessageEnable)},
		{"scanNotActiveBrokerInterval", strconv.FormatInt(s.scanNotActiveBrokerIntervalMs, 10)},
		{"listenPort", strconv.Itoa(s.listenPort)},
		{"bindAddress", s.bindAddress},
		{"serverSelectorThreads", strconv.Itoa(s.serverSelectorThreads)},
		{"serverChannelMaxIdleTimeSeconds", strconv.Itoa(s.serverChannelMaxIdleTimeSeconds)},
	}
	for _, k := range inertKeys {
		lines = append(lines, struct{ k, v string }{k.key, s.inert[k.key]})
	}
	for _, l := range lines {
		if _, err := fmt.Fprintf(w, "%s=%s\n", l.k, l.v); err != nil {
			return err
		}
	}
	return nil
}
