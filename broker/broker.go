package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// Broker is one RocketMQ-compatible master broker: its store (commit log and
// index), its configuration tables and the remoting server that serves
// clients.
//
// Goroutines owned: the store's (started by Open, via mmapstore and index),
// the netpoll server's, registerLoop, housekeepLoop, the hold service, the
// schedule service and the config persisters (started by Start). Close
// stops and awaits all of them.
type Broker struct {
	cfg    Config // immutable after Open
	log    *slog.Logger
	levels []time.Duration // delay levels, immutable

	lock  *os.File // holds <root>/lock while open
	clog  *mmapstore.CommitLog
	store *index.Store
	srv   *netpoll.Server
	nsc   *netpoll.Client

	deferWrites bool // async flush: sends append deferred, written by srv's batch-end hook; immutable

	topics    *topicTable
	groups    *groupTable
	offsets   *offsetTable
	clients   *clientTable
	locks     *lockTable
	holds     *holdService
	cold      *coldReader
	tx        *txChecker
	coldBytes int64 // a pull whose first record is further behind the log end is cold; immutable
	sched     *scheduleService
	persists  []*persister

	// Set by Start, read-only afterwards.
	addr      string // announced "ip:port"
	ap        netip.AddrPort
	storeHost []byte // stored form of addr
	hostFlags int32  // SysFlagStoreHostV6 or 0

	queueRR     atomic.Uint32 // round robin for sends without a queue id
	putCount    atomic.Int64  // messages stored since Start (runtime info)
	getCount    atomic.Int64  // messages pulled since Start (runtime info)
	pullBytes   atomic.Int64  // bytes of stored-message records served by pulls (runtime info)
	backlog     syncBacklog   // appended bytes not yet durable; sends refused past its limit
	busyRefused atomic.Int64  // sends refused with SYSTEM_BUSY (runtime info)
	bootTime    time.Time     // set by Open
	regSignal   chan struct{} // capacity 1: register now
	regMu       sync.Mutex    // guards regWaiters
	regWaiters  []func()      // run after the next registration
	stop        chan struct{}
	wg          sync.WaitGroup
	started     atomic.Bool   // Start was called
	running     atomic.Bool   // Start succeeded: its goroutines run
	closing     atomic.Bool   // set first by Close: new sends are refused
	inflight    atomic.Int64  // sends appended and not yet answered
	drained     chan struct{} // capacity 1: inflight reached 0 while closing
	closeOnce   sync.Once
	closeErr    error
	sendPool    sync.Pool // *sendOp
	pullPool    sync.Pool // *pullOp
}

// Open opens (or creates) the store under cfg.StorePathRootDir, recovers it,
// loads config/*.json and prepares the remoting server. Start serves.
func Open(cfg Config) (*Broker, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	levels, _ := ParseDelayLevels(cfg.MessageDelayLevel)
	b := &Broker{cfg: cfg, log: cfg.Logger, levels: levels, bootTime: time.Now(),
		regSignal: make(chan struct{}, 1), stop: make(chan struct{}), drained: make(chan struct{}, 1)}
	b.topics = newTopicTable()
	b.groups = newGroupTable(!cfg.DisableAutoCreateSubscriptionGroup)
	b.offsets = newOffsetTable()
	b.clients = newClientTable()
	b.locks = newLockTable(DefaultLockMaxLive)
	b.holds = newHoldService(b)
	b.cold = newColdReader(b)
	b.tx = newTxChecker(b)
	b.coldBytes = cfg.coldReadBytes
	b.backlog.limit = cfg.syncBacklogBytes
	if b.coldBytes == 0 {
		b.coldBytes = totalMemoryBytes() * int64(cfg.AccessMessageInMemoryMaxRatio) / 100
	}
	if b.coldBytes <= 0 && cfg.coldReadBytes == 0 {
		b.coldBytes = 1 << 62 // RAM unknown: everything counts as hot
	}
	if cfg.BrokerRole == SyncMaster {
		b.log.Warn("brokerRole SYNC_MASTER: replication is not implemented; acting as ASYNC_MASTER")
	}
	lock, err := lockStore(cfg.StorePathRootDir)
	if err != nil {
		return nil, err
	}
	b.lock = lock
	if err := b.loadConfigs(); err != nil {
		b.unlockStore()
		return nil, err
	}
	b.sched = newScheduleService(b)
	if err := b.openStore(); err != nil {
		b.unlockStore()
		return nil, err
	}
	if err := b.sched.load(filepath.Join(b.configDir(), "delayOffset.json")); err != nil {
		b.closeStore()
		return nil, err
	}
	srv, err := netpoll.NewServer(netpoll.Config{Addr: cfg.listenAddr(), NumEventLoops: cfg.NumEventLoops,
		MaxFrameBytes: max(protocol.DefaultMaxFrameBytes, cfg.MaxMessageSize+1<<20), Logger: b.log})
	if err != nil {
		b.closeStore()
		return nil, fmt.Errorf("broker: remoting server: %w", err)
	}
	b.srv = srv
	b.register(srv)
	srv.OnClose(b.connClosed)
	if b.cfg.FlushDiskType == mmapstore.AsyncFlush {
		// One pwrite per batch of sends, before the batch's replies (send.go).
		b.deferWrites = true
		srv.OnBatchEnd(b.clog.WritePending)
	}
	b.nsc = netpoll.NewClient(netpoll.ClientConfig{RequestTimeout: 6 * time.Second, Logger: b.log})
	return b, nil
}

func (b *Broker) configDir() string { return filepath.Join(b.cfg.StorePathRootDir, "config") }

// loadConfigs reads topics.json, subscriptionGroup.json and
// consumerOffset.json, and adds the system topics.
func (b *Broker) loadConfigs() error {
	dir := b.configDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	load := func(name string, fn func([]byte) error) error {
		data, err := readConfigFile(filepath.Join(dir, name))
		if err == nil {
			err = fn(data)
		}
		if err != nil {
			return fmt.Errorf("broker: load %s: %w", name, err)
		}
		return nil
	}
	if err := load("topics.json", b.topics.load); err != nil {
		return err
	}
	if err := load("subscriptionGroup.json", b.groups.load); err != nil {
		return err
	}
	if err := load("consumerOffset.json", b.offsets.load); err != nil {
		return err
	}
	b.addSystemTopics()
	b.topics.persist = newPersister(filepath.Join(dir, "topics.json"), 0, b.log, b.topics.encode)
	b.groups.persist = newPersister(filepath.Join(dir, "subscriptionGroup.json"), 0, b.log, b.groups.encode)
	b.offsets.persist = newPersister(filepath.Join(dir, "consumerOffset.json"), b.cfg.FlushConsumerOffsetInterval, b.log, b.offsets.encode)
	b.persists = []*persister{b.topics.persist, b.groups.persist, b.offsets.persist}
	b.topics.persist.mark() // write the system topics of a fresh store
	return nil
}

// addSystemTopics creates TBW102 (when auto-create is on) and the schedule
// topic (J4 TopicConfigManager constructor).
func (b *Broker) addSystemTopics() {
	if !b.cfg.DisableAutoCreateTopic {
		n := int32(b.cfg.DefaultTopicQueueNums)
		b.topics.ensure(protocol.TopicConfig{TopicName: TopicAutoCreate, ReadQueueNums: n, WriteQueueNums: n,
			Perm: protocol.PermRead | protocol.PermWrite | protocol.PermInherit, TopicFilterType: protocol.TopicFilterSingleTag})
	} else {
		b.topics.delete(TopicAutoCreate)
	}
	q := int32(b.cfg.DefaultTopicQueueNums)
	b.topics.ensure(protocol.TopicConfig{TopicName: b.replyTopic(), ReadQueueNums: q, WriteQueueNums: q,
		Perm: protocol.PermRead | protocol.PermWrite, TopicFilterType: protocol.TopicFilterSingleTag})
	for _, name := range []string{TopicTransHalf, TopicTransOp} {
		b.topics.ensure(protocol.TopicConfig{TopicName: name, ReadQueueNums: 1, WriteQueueNums: 1,
			Perm: protocol.PermRead | protocol.PermWrite, TopicFilterType: protocol.TopicFilterSingleTag})
	}
	n := int32(len(b.levels))
	b.topics.ensure(protocol.TopicConfig{TopicName: TopicSchedule, ReadQueueNums: n, WriteQueueNums: n,
		Perm: protocol.PermRead | protocol.PermWrite, TopicFilterType: protocol.TopicFilterSingleTag})
}

// openStore opens the commit log and the index over it.
func (b *Broker) openStore() error {
	c := &b.cfg
	clog, err := mmapstore.Open(mmapstore.Config{StorePathRootDir: c.StorePathRootDir, StorePathCommitLog: c.StorePathCommitLog,
		MappedFileSizeCommitLog: c.MappedFileSizeCommitLog, FlushDiskType: c.FlushDiskType, SyncFlushTimeout: c.SyncFlushTimeout,
		MaxMessageSize: c.MaxMessageSize, FileReservedTime: c.FileReservedTime, DeleteWhen: c.DeleteWhen, Logger: b.log})
	if err != nil {
		return fmt.Errorf("broker: open commit log: %w", err)
	}
	rep := clog.Recovery()
	b.log.Info("commit log recovered", "clean", rep.CleanShutdown, "end", rep.End, "records", rep.Records, "tornAt", rep.TornAt)
	st, err := index.Open(index.Config{Dir: c.StorePathRootDir, Log: clog, IndexSlots: c.MaxHashSlotNum, IndexEntries: c.MaxIndexNum,
		DisableKeyIndex: c.DisableMessageIndex, TagsCode: b.tagsCode, Arrived: b.arrived, Logger: b.log})
	if err != nil {
		clog.Close()
		return fmt.Errorf("broker: open index: %w", err)
	}
	b.clog, b.store = clog, st
	return nil
}

// closeStore closes the index and the commit log, then releases the store
// lock.
func (b *Broker) closeStore() error {
	err := b.store.Close()
	if cerr := b.clog.Close(); err == nil {
		err = cerr
	}
	b.unlockStore()
	return err
}

func (b *Broker) unlockStore() {
	if b.lock != nil {
		b.lock.Close()
		b.lock = nil
	}
}

// Start starts serving: the remoting server, NameServer registration, the
// housekeeping loops and the delay-level schedule.
func (b *Broker) Start() error {
	if !b.started.CompareAndSwap(false, true) {
		return fmt.Errorf("broker: Start called twice")
	}
	if err := b.srv.Start(); err != nil {
		return fmt.Errorf("broker: listen %s: %w", b.cfg.listenAddr(), err)
	}
	if err := b.setAddr(b.srv.Addr()); err != nil {
		b.srv.Close()
		return err
	}
	for i, p := range b.persists {
		p.start([]string{"topics", "groups", "offsets"}[i])
	}
	b.holds.startLoop()
	b.cold.start()
	b.tx.startLoop()
	b.sched.startLoop()
	b.registerAll() // routable once Start returns
	b.goLabelled("register", b.registerLoop)
	b.goLabelled("housekeep", b.housekeepLoop)
	b.running.Store(true)
	b.log.Info("broker started", "addr", b.addr, "cluster", b.cfg.BrokerClusterName, "brokerName", b.cfg.BrokerName,
		"namesrv", b.cfg.NamesrvAddrs, "store", b.cfg.StorePathRootDir, "flush", flushName(b.cfg.FlushDiskType))
	return nil
}

// setAddr derives the announced address and the stored store-host from the
// bound address.
func (b *Broker) setAddr(bound string) error {
	_, portText, err := net.SplitHostPort(bound)
	if err != nil {
		return fmt.Errorf("broker: bound address %q: %w", bound, err)
	}
	port, _ := strconv.Atoi(portText)
	ip, _ := netip.ParseAddr(b.cfg.BrokerIP1)
	ap := netip.AddrPortFrom(ip.Unmap(), uint16(port))
	b.addr, b.ap = ap.String(), ap
	b.storeHost = protocol.AppendHost(nil, ap)
	if ap.Addr().Is6() {
		b.hostFlags = protocol.SysFlagStoreHostV6
	}
	return nil
}

func (b *Broker) addrPort() netip.AddrPort { return b.ap }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func (b *Broker) goLabelled(name string, fn func()) {
	b.wg.Add(1)
	go pprof.Do(context.Background(), pprof.Labels("broker", name), func(context.Context) {
		defer b.wg.Done()
		fn()
	})
}

// Addr returns the address clients use ("ip:port", with BrokerIP1), "" before Start.
func (b *Broker) Addr() string { return b.addr }

// ListenAddr returns the bound listen address, "" before Start.
func (b *Broker) ListenAddr() string { return b.srv.Addr() }

// Close stops accepting connections (open ones are still served), refuses
// new sends, unregisters from the NameServers, answers the sends in flight
// and writes their replies, stops every goroutine, writes config files and closes the
// store cleanly (flush, checkpoint, abort marker removed). Safe to call twice.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.close() })
	return b.closeErr
}

func (b *Broker) close() error {
	started := b.running.Load()
	b.closing.Store(true)
	close(b.stop)
	var errs []error
	if started {
		b.srv.StopAccepting() // open connections are still served
		b.unregisterAll()
		b.regMu.Lock()
		waiters := b.regWaiters
		b.regWaiters = nil
		b.regMu.Unlock()
		runRegisterWaiters(waiters) // sends that created a topic are answered now
		b.drainSends()
		b.drainReplies()
	}
	errs = append(errs, b.srv.Close())
	b.wg.Wait()
	if started {
		b.tx.close()
		b.cold.close()
		b.holds.close()
		b.sched.close()
	}
	for _, p := range b.persists {
		errs = append(errs, p.close(started))
	}
	errs = append(errs, b.sched.persist(), b.nsc.Close(), b.closeStore())
	return errors.Join(errs...)
}

// drainSends waits (bounded by the sync-flush timeout) until every appended
// send has been answered, so that SIGTERM finishes in-flight work before the
// connections close. sendDone signals it when the count reaches zero.
func (b *Broker) drainSends() {
	timer := time.NewTimer(b.cfg.SyncFlushTimeout + 5*time.Second)
	defer timer.Stop()
	for b.inflight.Load() > 0 {
		select {
		case <-b.drained:
		case <-timer.C:
			b.log.Warn("stopping with sends still unanswered", "sends", b.inflight.Load())
			return
		}
	}
}

// drainReplies waits (bounded) until the replies the drained sends posted
// are handed to the sockets, so that Close does not drop them.
func (b *Broker) drainReplies() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.srv.Drain(ctx); err != nil {
		b.log.Warn("stopping with replies possibly unwritten", "err", err)
	}
}

// sendDone counts an answered send down.
func (b *Broker) sendDone() {
	if b.inflight.Add(-1) == 0 && b.closing.Load() {
		select {
		case b.drained <- struct{}{}:
		default:
		}
	}
}

// housekeepLoop expires silent clients and stale locks.
func (b *Broker) housekeepLoop() {
	t := time.NewTicker(b.cfg.clientScanInterval)
	defer t.Stop()
	logMin := b.clog.MinOffset()
	for {
		select {
		case <-b.stop:
			return
		case now := <-t.C:
			for _, g := range b.clients.expire(now.Add(-b.cfg.clientExpiry)) {
				b.notifyGroup(g)
			}
			b.locks.expire(now)
			logMin = b.applyRetention(logMin)
		}
	}
}

// applyRetention trims the consume queues and the key index once commit-log
// retention has moved the log's start past last (RocketMQ
// CleanConsumeQueueService), and returns the new start.
func (b *Broker) applyRetention(last int64) int64 {
	logMin := b.clog.MinOffset()
	if logMin <= last {
		return last
	}
	n, err := b.store.DeleteBefore(logMin)
	if err != nil {
		b.log.Error("trim consume queues after retention", "logMin", logMin, "err", err)
		return last
	}
	b.log.Info("consume queues trimmed after retention", "logMin", logMin, "filesDeleted", n)
	return logMin
}

func flushName(t mmapstore.FlushDiskType) string {
	if t == mmapstore.SyncFlush {
		return "SYNC_FLUSH"
	}
	return "ASYNC_FLUSH"
}
