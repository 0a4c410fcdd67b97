package broker

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

func TestConfigValidateNamesTheField(t *testing.T) {
	base := Config{BrokerName: "b", BrokerIP1: "127.0.0.1", StorePathRootDir: t.TempDir()}
	f := func(field string, mutate func(*Config)) {
		t.Helper()
		c := base
		mutate(&c)
		c = c.withDefaults()
		err := c.validate()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: got %v", field, err)
		}
	}
	f("brokerId", func(c *Config) { c.BrokerID = 1 })
	f("brokerRole", func(c *Config) { c.BrokerRole = Slave })
	f("listenPort", func(c *Config) { c.ListenPort = 70000 })
	f("defaultTopicQueueNums", func(c *Config) { c.DefaultTopicQueueNums = -1 })
	f("brokerName", func(c *Config) { c.BrokerName = "a b" })
	f("brokerIP1", func(c *Config) { c.BrokerIP1 = "not-an-ip" })
	f("messageDelayLevel", func(c *Config) { c.MessageDelayLevel = "1x" })
	f("namesrvAddr", func(c *Config) { c.NamesrvAddrs = []string{"nohost"} })
	c := base.withDefaults()
	if err := c.validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if c.ListenPort != 10911 || c.DefaultTopicQueueNums != 8 || c.MaxMessageSize != 4<<20 || c.BrokerClusterName != "DefaultCluster" {
		t.Fatalf("defaults: %+v", c)
	}
}

// TestResponseCodes pins the error → response-code table (J4
// SendMessageProcessor / putMessage status mapping, storage-and-features.md §2.9).
func TestResponseCodes(t *testing.T) {
	cases := []struct {
		err  error
		want protocol.ResponseCode
	}{
		{nil, protocol.RespSuccess},
		{mmapstore.ErrFlushTimeout, protocol.RespFlushDiskTimeout},
		{fmt.Errorf("x: %w", ErrTopicNotExist), protocol.RespTopicNotExist},
		{ErrSystemTopic, protocol.RespNoPermission},
		{ErrBodyTooLarge, protocol.RespMessageIllegal},
		{mmapstore.ErrMessageTooLarge, protocol.RespMessageIllegal},
		{protocol.ErrTopicTooLong, protocol.RespMessageIllegal},
		{protocol.ErrPropertiesTooLong, protocol.RespMessageIllegal},
		{protocol.ErrTopicChars, protocol.RespSystemError},
		{ErrQueueID, protocol.RespSystemError},
		{mmapstore.ErrClosed, protocol.RespServiceNotAvailable},
		{index.ErrClosed, protocol.RespServiceNotAvailable},
		{ErrClosed, protocol.RespServiceNotAvailable},
		{ErrGroupNotExist, protocol.RespSubscriptionGroupNotExist},
		{&mmapstore.IOError{Op: "sync", Err: errors.New("EIO")}, protocol.RespSystemError},
	}
	for _, c := range cases {
		if got := respCode(c.err); got != c.want {
			t.Errorf("respCode(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestFlushTimeoutReplyKeepsIDs: FLUSH_DISK_TIMEOUT (10) is a stored
// message, so its reply still carries msgId, queueId and queueOffset.
func TestFlushTimeoutReplyKeepsIDs(t *testing.T) {
	b := &Broker{cfg: Config{RegionID: DefaultRegionID}, storeHost: []byte{127, 0, 0, 1, 0, 0, 0x2a, 0x9f}}
	op := &sendOp{b: b, msgs: []protocol.StoredMessage{{QueueID: 3, QueueOffset: 7, PhysicalOffset: 1000}}}
	op.recordResult()
	op.err = mmapstore.ErrFlushTimeout
	op.resp.InitResponse(respCode(op.err), op.remark())
	op.fillResponse()
	var h protocol.SendMessageResponseHeader
	if err := h.Decode(&op.resp); err != nil {
		t.Fatal(err)
	}
	if op.resp.Code != 10 || h.MsgID != "7F00000100002A9F00000000000003E8" || h.QueueID != 3 || h.QueueOffset != 7 {
		t.Fatalf("code %d header %+v", op.resp.Code, h)
	}
}

// TestStartFailureThenClose: a broker whose port is taken fails Start with
// an error, and Close still returns.
func TestStartFailureThenClose(t *testing.T) {
	first := startBroker(t, testConfig(t.TempDir()))
	cfg := testConfig(t.TempDir())
	cfg.ListenAddr = first.ListenAddr()
	b, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err == nil {
		t.Fatal("second broker started on a taken port")
	}
	done := make(chan error, 1)
	go func() { done <- b.Close() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close hung after a failed Start")
	}
}

// TestCloseLeavesNoGoroutines: after Close every goroutine the broker (and
// its store and server) started is gone, with a pull still held at the time.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	b, err := Open(testConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	cl := netpoll.NewClient(netpoll.ClientConfig{Logger: testLogger()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if resp, err := cl.Invoke(ctx, b.ListenAddr(), sendRequest("TopicG", []byte("x"))); err != nil || resp.Code != 0 {
		t.Fatalf("send: %v", err)
	}
	waitFor(t, 10*time.Second, "dispatch", func() bool { return storedCount(b, "TopicG") == 1 })
	go cl.Invoke(ctx, b.ListenAddr(), pullRequest("TopicG", 0, 1, protocol.PullSysFlagSuspend, 20000))
	waitFor(t, 10*time.Second, "held pull", func() bool { return b.holds.parked() == 1 })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left (had %d):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStoreLockRefusesSecondBroker: a second broker on a store in use fails
// at Open with ErrStoreLocked; after the first closes, it opens.
func TestStoreLockRefusesSecondBroker(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(testConfig(dir)); !errors.Is(err, ErrStoreLocked) {
		first.Close()
		t.Fatalf("second Open on the same store: %v, want ErrStoreLocked", err)
	}
	first.Close()
	second, err := Open(testConfig(dir))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	second.Close()
}

func TestBrokerIP1FollowsSpecificListenAddr(t *testing.T) {
	c := Config{ListenAddr: "127.0.0.1:0"}.withDefaults()
	if c.BrokerIP1 != "127.0.0.1" {
		t.Fatalf("BrokerIP1 %q, want the listen host", c.BrokerIP1)
	}
	c = Config{ListenAddr: "0.0.0.0:0", BrokerIP1: "10.1.2.3"}.withDefaults()
	if c.BrokerIP1 != "10.1.2.3" {
		t.Fatalf("explicit BrokerIP1 replaced: %q", c.BrokerIP1)
	}
}
