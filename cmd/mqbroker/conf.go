package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fastmq/fastmq/broker"
	"github.com/fastmq/fastmq/mmapstore"
)

// parseProperties reads a Java-style properties file: key=value (or
// key: value) lines, # and ! comments, trailing-backslash continuations.
// Later keys win. It returns the keys in file order too.
func parseProperties(r io.Reader) (map[string]string, []string, error) {
	props := map[string]string{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var pending strings.Builder
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if pending.Len() == 0 && (text == "" || text[0] == '#' || text[0] == '!') {
			continue
		}
		if strings.HasSuffix(text, `\`) && !strings.HasSuffix(text, `\\`) {
			pending.WriteString(strings.TrimSuffix(text, `\`))
			continue
		}
		pending.WriteString(text)
		full := pending.String()
		pending.Reset()
		i := strings.IndexAny(full, "=:")
		if i <= 0 {
			return nil, nil, fmt.Errorf("line %d: want key=value, got %q", line, full)
		}
		k, v := strings.TrimSpace(full[:i]), strings.TrimSpace(full[i+1:])
		if _, seen := props[k]; !seen {
			order = append(order, k)
		}
		props[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	return props, order, nil
}

// confKey applies one broker.conf key to cfg; known reports whether the key
// is one this broker reads.
type confKey func(cfg *broker.Config, v string) error

func str(f func(*broker.Config) *string) confKey {
	return func(c *broker.Config, v string) error { *f(c) = v; return nil }
}

func integer(f func(*broker.Config, int64)) confKey {
	return func(c *broker.Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		f(c, n)
		return nil
	}
}

func boolean(f func(*broker.Config, bool)) confKey {
	return func(c *broker.Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		f(c, b)
		return nil
	}
}

// ignored lists RocketMQ keys that are accepted but have no effect here
// (thread pools, JVM-side tuning): they are not warned about as unknown.
var ignored = map[string]bool{
	"sendMessageThreadPoolNums": true, "pullMessageThreadPoolNums": true, "useReentrantLockWhenPutMessage": true,
	"transientStorePoolEnable": true, "waitTimeMillsInSendQueue": true, "osPageCacheBusyTimeOutMills": true,
	"aclEnable": true, "traceTopicEnable": true, "haListenPort": true,
}

var confKeys = map[string]confKey{
	"brokerClusterName":  str(func(c *broker.Config) *string { return &c.BrokerClusterName }),
	"brokerName":         str(func(c *broker.Config) *string { return &c.BrokerName }),
	"brokerIP1":          str(func(c *broker.Config) *string { return &c.BrokerIP1 }),
	"storePathRootDir":   str(func(c *broker.Config) *string { return &c.StorePathRootDir }),
	"storePathCommitLog": str(func(c *broker.Config) *string { return &c.StorePathCommitLog }),
	"deleteWhen":         str(func(c *broker.Config) *string { return &c.DeleteWhen }),
	"messageDelayLevel":  str(func(c *broker.Config) *string { return &c.MessageDelayLevel }),
	"regionId":           str(func(c *broker.Config) *string { return &c.RegionID }),
	"namesrvAddr": func(c *broker.Config, v string) error {
		c.NamesrvAddrs = splitAddrs(v)
		return nil
	},
	"brokerId":                      integer(func(c *broker.Config, n int64) { c.BrokerID = n }),
	"listenPort":                    integer(func(c *broker.Config, n int64) { c.ListenPort = int(n) }),
	"fileReservedTime":              integer(func(c *broker.Config, n int64) { c.FileReservedTime = time.Duration(n) * time.Hour }),
	"defaultTopicQueueNums":         integer(func(c *broker.Config, n int64) { c.DefaultTopicQueueNums = int(n) }),
	"maxMessageSize":                integer(func(c *broker.Config, n int64) { c.MaxMessageSize = int(n) }),
	"mapedFileSizeCommitLog":        integer(func(c *broker.Config, n int64) { c.MappedFileSizeCommitLog = n }),
	"mappedFileSizeCommitLog":       integer(func(c *broker.Config, n int64) { c.MappedFileSizeCommitLog = n }),
	"syncFlushTimeout":              integer(func(c *broker.Config, n int64) { c.SyncFlushTimeout = time.Duration(n) * time.Millisecond }),
	"registerNameServerPeriod":      integer(func(c *broker.Config, n int64) { c.RegisterNameServerPeriod = time.Duration(n) * time.Millisecond }),
	"flushConsumerOffsetInterval":   integer(func(c *broker.Config, n int64) { c.FlushConsumerOffsetInterval = time.Duration(n) * time.Millisecond }),
	"flushDelayOffsetInterval":      integer(func(c *broker.Config, n int64) { c.FlushDelayOffsetInterval = time.Duration(n) * time.Millisecond }),
	"maxHashSlotNum":                integer(func(c *broker.Config, n int64) { c.MaxHashSlotNum = int(n) }),
	"transactionTimeOut":            integer(func(c *broker.Config, n int64) { c.TransactionTimeOut = time.Duration(n) * time.Millisecond }),
	"transactionCheckInterval":      integer(func(c *broker.Config, n int64) { c.TransactionCheckInterval = time.Duration(n) * time.Millisecond }),
	"transactionCheckMax":           integer(func(c *broker.Config, n int64) { c.TransactionCheckMax = int(n) }),
	"accessMessageInMemoryMaxRatio": integer(func(c *broker.Config, n int64) { c.AccessMessageInMemoryMaxRatio = int(n) }),
	"maxIndexNum":                   integer(func(c *broker.Config, n int64) { c.MaxIndexNum = int(n) }),
	"autoCreateTopicEnable":         boolean(func(c *broker.Config, b bool) { c.DisableAutoCreateTopic = !b }),
	"autoCreateSubscriptionGroup":   boolean(func(c *broker.Config, b bool) { c.DisableAutoCreateSubscriptionGroup = !b }),
	"messageIndexEnable":            boolean(func(c *broker.Config, b bool) { c.DisableMessageIndex = !b }),
	"enablePropertyFilter":          boolean(func(c *broker.Config, b bool) { c.EnablePropertyFilter = b }),
	"traceOn":                       boolean(func(c *broker.Config, b bool) { c.DisableTrace = !b }),
	"brokerRole": func(c *broker.Config, v string) error {
		switch strings.ToUpper(v) {
		case "ASYNC_MASTER":
			c.BrokerRole = broker.AsyncMaster
		case "SYNC_MASTER":
			c.BrokerRole = broker.SyncMaster
		case "SLAVE":
			c.BrokerRole = broker.Slave
		default:
			return fmt.Errorf("want ASYNC_MASTER, SYNC_MASTER or SLAVE")
		}
		return nil
	},
	"flushDiskType": func(c *broker.Config, v string) error {
		switch strings.ToUpper(v) {
		case "ASYNC_FLUSH":
			c.FlushDiskType = mmapstore.AsyncFlush
		case "SYNC_FLUSH":
			c.FlushDiskType = mmapstore.SyncFlush
		default:
			return fmt.Errorf("want ASYNC_FLUSH or SYNC_FLUSH")
		}
		return nil
	},
}

// applyProperties sets cfg from broker.conf properties, warning about keys
// it does not know (never silently dropping them).
func applyProperties(cfg *broker.Config, props map[string]string, order []string, log *slog.Logger) error {
	for _, k := range order {
		v := props[k]
		f, ok := confKeys[k]
		if !ok {
			if !ignored[k] {
				log.Warn("unknown broker.conf key ignored", "key", k, "value", v)
			}
			continue
		}
		if err := f(cfg, v); err != nil {
			return fmt.Errorf("broker.conf %s=%q: %w", k, v, err)
		}
	}
	return nil
}

// splitAddrs splits "a:9876;b:9876" (RocketMQ's separator; commas too).
func splitAddrs(s string) []string {
	var out []string
	for _, a := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// printConfig writes the effective configuration as broker.conf lines.
func printConfig(w io.Writer, c *broker.Config) {
	flush := "ASYNC_FLUSH"
	if c.FlushDiskType == mmapstore.SyncFlush {
		flush = "SYNC_FLUSH"
	}
	role := [...]string{"ASYNC_MASTER", "SYNC_MASTER", "SLAVE"}[c.BrokerRole]
	lines := map[string]string{
		"brokerClusterName": c.BrokerClusterName, "brokerName": c.BrokerName, "brokerId": strconv.FormatInt(c.BrokerID, 10),
		"brokerIP1": c.BrokerIP1, "listenPort": strconv.Itoa(c.ListenPort), "namesrvAddr": strings.Join(c.NamesrvAddrs, ";"),
		"storePathRootDir": c.StorePathRootDir, "storePathCommitLog": c.StorePathCommitLog, "brokerRole": role,
		"flushDiskType": flush, "fileReservedTime": strconv.FormatInt(int64(c.FileReservedTime/time.Hour), 10),
		"deleteWhen": c.DeleteWhen, "autoCreateTopicEnable": strconv.FormatBool(!c.DisableAutoCreateTopic),
		"autoCreateSubscriptionGroup": strconv.FormatBool(!c.DisableAutoCreateSubscriptionGroup),
		"defaultTopicQueueNums":       strconv.Itoa(c.DefaultTopicQueueNums), "maxMessageSize": strconv.Itoa(c.MaxMessageSize),
		"mappedFileSizeCommitLog": strconv.FormatInt(c.MappedFileSizeCommitLog, 10), "messageDelayLevel": c.MessageDelayLevel,
		"messageIndexEnable": strconv.FormatBool(!c.DisableMessageIndex),
	}
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&buf, "%s=%s\n", k, lines[k])
	}
	w.Write(buf.Bytes())
}
