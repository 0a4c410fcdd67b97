package client

import (
	"log/slog"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// Defaults, as RocketMQ's clients have them (storage-and-features.md §9.3,
// wire-protocol.md §12) unless the brief of this package says otherwise.
const (
	DefaultProducerGroup       = "DEFAULT_PRODUCER"
	DefaultConsumerGroup       = "DEFAULT_CONSUMER"
	DefaultSendTimeout         = 3 * time.Second
	DefaultRetryTimes          = 2
	DefaultCompressOverBytes   = 4096
	DefaultCompressLevel       = 5
	DefaultMaxMessageBytes     = 4 << 20
	DefaultRouteRefresh        = 30 * time.Second
	DefaultHeartbeatInterval   = 30 * time.Second
	DefaultRebalanceInterval   = 20 * time.Second
	DefaultCommitInterval      = 5 * time.Second
	DefaultPullBatchSize       = 32
	DefaultSuspendTimeout      = 15 * time.Second
	DefaultPullTimeout         = 30 * time.Second
	DefaultPullBackoff         = 3 * time.Second
	DefaultQueueCacheCount     = 1000
	DefaultQueueCacheBytes     = 100 << 20
	DefaultConsumeGoroutines   = 20
	DefaultLockRenewInterval   = 20 * time.Second
	DefaultConsumeTimestampAgo = 30 * time.Minute
	defaultTopicKey            = "TBW102"
	defaultTopicQueueNums      = 4
	defaultAsyncWorkers        = 16
	defaultAsyncQueue          = 1024
)

// common is what every client kind shares: how to reach the cluster and
// how to speak to it.
type common struct {
	nameServers    []string
	instanceName   string
	serializeType  protocol.SerializeType
	requestTimeout time.Duration
	logger         *slog.Logger
	// now is the clock seam; nil means time.Now.
	now func() time.Time
}

func defaultCommon() common {
	return common{serializeType: protocol.SerializeRocketMQ, requestTimeout: DefaultSendTimeout}
}

func (c *common) validate() error {
	switch {
	case len(c.nameServers) == 0:
		return configError("WithNameServers", "no NameServer address")
	case c.requestTimeout <= 0:
		return configError("WithRequestTimeout", "must be positive")
	}
	return nil
}

func (c *common) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// ProducerOption configures a Producer.
type ProducerOption interface{ applyProducer(*producerConfig) }

// ConsumerOption configures a PushConsumer or a PullConsumer.
type ConsumerOption interface{ applyConsumer(*consumerConfig) }

// AdminOption configures an Admin.
type AdminOption interface{ applyAdmin(*common) }

// CommonOption applies to every kind of client.
type CommonOption interface {
	ProducerOption
	ConsumerOption
	AdminOption
}

type commonOpt func(*common)

func (f commonOpt) applyProducer(c *producerConfig) { f(&c.common) }
func (f commonOpt) applyConsumer(c *consumerConfig) { f(&c.common) }
func (f commonOpt) applyAdmin(c *common)            { f(c) }

type producerOpt func(*producerConfig)

func (f producerOpt) applyProducer(c *producerConfig) { f(c) }

type consumerOpt func(*consumerConfig)

func (f consumerOpt) applyConsumer(c *consumerConfig) { f(c) }

// WithNameServers sets the NameServer addresses ("host:port"); required.
func WithNameServers(addrs ...string) CommonOption {
	return commonOpt(func(c *common) { c.nameServers = append([]string(nil), addrs...) })
}

// WithInstanceName sets the instance part of the client id
// ("<ip>@<instance>"); the default is the process id. Two clients of one
// group in one process need different instance names.
func WithInstanceName(name string) CommonOption {
	return commonOpt(func(c *common) { c.instanceName = name })
}

// WithJSONHeaders makes the client encode command headers as JSON (serialize
// type 0) instead of the default ROCKETMQ binary codec.
func WithJSONHeaders() CommonOption {
	return commonOpt(func(c *common) { c.serializeType = protocol.SerializeJSON })
}

// WithRequestTimeout bounds each request (send attempt, offset and admin
// calls); default 3 s. Long-polling pulls use their own timeout.
func WithRequestTimeout(d time.Duration) CommonOption {
	return commonOpt(func(c *common) { c.requestTimeout = d })
}

// WithLogger sets the logger; default slog.Default().
func WithLogger(l *slog.Logger) CommonOption {
	return commonOpt(func(c *common) { c.logger = l })
}

// producerConfig is a Producer's configuration after its options ran.
type producerConfig struct {
	common
	group             string
	retryTimes        int
	compressOver      int
	compressLevel     int
	maxMessageBytes   int
	faultAvoidance    bool
	selector          QueueSelector
	asyncWorkers      int
	asyncQueue        int
	routeRefresh      time.Duration
	heartbeatInterval time.Duration
}

func defaultProducerConfig() producerConfig {
	return producerConfig{
		common:            defaultCommon(),
		group:             DefaultProducerGroup,
		retryTimes:        DefaultRetryTimes,
		compressOver:      DefaultCompressOverBytes,
		compressLevel:     DefaultCompressLevel,
		maxMessageBytes:   DefaultMaxMessageBytes,
		faultAvoidance:    true,
		asyncWorkers:      defaultAsyncWorkers,
		asyncQueue:        defaultAsyncQueue,
		routeRefresh:      DefaultRouteRefresh,
		heartbeatInterval: DefaultHeartbeatInterval,
	}
}

func (c *producerConfig) validate() error {
	if err := c.common.validate(); err != nil {
		return err
	}
	switch {
	case c.group == "":
		return configError("WithProducerGroup", "empty group")
	case c.retryTimes < 0:
		return configError("WithRetryTimes", "negative")
	case c.compressLevel < 1 || c.compressLevel > 9:
		return configError("WithCompression", "level must be 1..9")
	case c.maxMessageBytes <= 0:
		return configError("WithMaxMessageBytes", "must be positive")
	case c.asyncWorkers <= 0 || c.asyncQueue <= 0:
		return configError("WithAsyncWorkers", "must be positive")
	}
	return nil
}

// WithProducerGroup sets the producer group; default DEFAULT_PRODUCER.
func WithProducerGroup(group string) ProducerOption {
	return producerOpt(func(c *producerConfig) { c.group = group })
}

// WithRetryTimes sets retryTimesWhenSendFailed: how many more attempts a
// synchronous send makes, on another broker where there is one; default 2.
func WithRetryTimes(n int) ProducerOption {
	return producerOpt(func(c *producerConfig) { c.retryTimes = n })
}

// WithCompression compresses bodies of at least overBytes (default 4096)
// with zlib at level (default 5) and marks them with sysflag bit 0.
// overBytes <= 0 turns compression off.
func WithCompression(overBytes, level int) ProducerOption {
	return producerOpt(func(c *producerConfig) {
		c.compressOver, c.compressLevel = overBytes, level
		if overBytes <= 0 {
			c.compressOver = -1
		}
	})
}

// WithMaxMessageBytes refuses bodies larger than n before sending; default 4 MiB.
func WithMaxMessageBytes(n int) ProducerOption {
	return producerOpt(func(c *producerConfig) { c.maxMessageBytes = n })
}

// WithFaultAvoidance turns RocketMQ's latency-aware broker avoidance
// (sendLatencyFaultEnable) on or off; default on.
func WithFaultAvoidance(on bool) ProducerOption {
	return producerOpt(func(c *producerConfig) { c.faultAvoidance = on })
}

// WithQueueSelector sets the selector Send uses when the message names no
// other; default: round robin with fault avoidance.
func WithQueueSelector(s QueueSelector) ProducerOption {
	return producerOpt(func(c *producerConfig) { c.selector = s })
}

// WithAsyncWorkers sets how many SendAsync calls may be in flight (queue,
// default 1024): beyond that SendAsync waits for room until its context
// ends, then fails with ErrAsyncQueueFull. SendAsync is pipelined and runs
// no goroutine per message, so workers (default 16) no longer sizes
// anything; it must still be positive, and is kept so that existing
// callers compile.
func WithAsyncWorkers(workers, queue int) ProducerOption {
	return producerOpt(func(c *producerConfig) { c.asyncWorkers, c.asyncQueue = workers, queue })
}

// MessageModel says how a consumer group shares a topic.
type MessageModel uint8

const (
	// Clustering shares the queues among the group's consumers; offsets
	// live on the broker.
	Clustering MessageModel = iota
	// Broadcasting gives every consumer every message; offsets live in a
	// local file.
	Broadcasting
)

// ConsumeFrom says where a group with no stored offset starts.
type ConsumeFrom uint8

const (
	ConsumeFromLast ConsumeFrom = iota
	ConsumeFromFirst
	ConsumeFromTimestamp
)

// consumerConfig is a consumer's configuration after its options ran.
type consumerConfig struct {
	common
	group             string
	model             MessageModel
	from              ConsumeFrom
	fromTimestamp     time.Time
	pullBatchSize     int
	suspendTimeout    time.Duration
	pullTimeout       time.Duration
	pullBackoff       time.Duration
	queueCacheCount   int
	queueCacheBytes   int
	consumeGoroutines int
	orderly           bool
	maxReconsume      int
	offsetDir         string
	rebalanceInterval time.Duration
	commitInterval    time.Duration
	lockRenew         time.Duration
	routeRefresh      time.Duration
	heartbeatInterval time.Duration
}

func defaultConsumerConfig() consumerConfig {
	return consumerConfig{
		common:            defaultCommon(),
		group:             DefaultConsumerGroup,
		pullBatchSize:     DefaultPullBatchSize,
		suspendTimeout:    DefaultSuspendTimeout,
		pullTimeout:       DefaultPullTimeout,
		pullBackoff:       DefaultPullBackoff,
		queueCacheCount:   DefaultQueueCacheCount,
		queueCacheBytes:   DefaultQueueCacheBytes,
		consumeGoroutines: DefaultConsumeGoroutines,
		maxReconsume:      16,
		rebalanceInterval: DefaultRebalanceInterval,
		commitInterval:    DefaultCommitInterval,
		lockRenew:         DefaultLockRenewInterval,
		routeRefresh:      DefaultRouteRefresh,
		heartbeatInterval: DefaultHeartbeatInterval,
	}
}

func (c *consumerConfig) validate() error {
	if err := c.common.validate(); err != nil {
		return err
	}
	switch {
	case c.group == "":
		return configError("WithConsumerGroup", "empty group")
	case c.pullBatchSize < 1 || c.pullBatchSize > 1024:
		return configError("WithPullBatchSize", "must be 1..1024")
	case c.pullTimeout <= c.suspendTimeout:
		return configError("WithLongPolling", "pull timeout must exceed the suspend time")
	case c.queueCacheCount <= 0 || c.queueCacheBytes <= 0:
		return configError("WithQueueCache", "limits must be positive")
	case c.consumeGoroutines <= 0:
		return configError("WithConsumeGoroutines", "must be positive")
	case c.rebalanceInterval <= 0 || c.commitInterval <= 0:
		return configError("WithIntervals", "must be positive")
	}
	return nil
}

// WithConsumerGroup sets the consumer group; default DEFAULT_CONSUMER.
func WithConsumerGroup(group string) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.group = group })
}

// WithMessageModel chooses clustering (default) or broadcasting.
func WithMessageModel(m MessageModel) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.model = m })
}

// WithConsumeFrom says where a queue with no stored offset starts: the
// last offset (default), the first, or the first message stored at or
// after ts (ConsumeFromTimestamp; zero ts means 30 minutes ago).
func WithConsumeFrom(from ConsumeFrom, ts time.Time) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.from, c.fromTimestamp = from, ts })
}

// WithPullBatchSize sets the most messages one pull asks for; default 32.
func WithPullBatchSize(n int) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.pullBatchSize = n })
}

// WithLongPolling sets how long the broker may hold a pull that finds
// nothing (default 15 s) and the pull's own timeout (default 30 s).
func WithLongPolling(suspend, timeout time.Duration) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.suspendTimeout, c.pullTimeout = suspend, timeout })
}

// WithQueueCache sets the flow-control limits per queue: pulling pauses
// while a queue holds more than count messages or bytes not yet
// consumed; defaults 1000 and 100 MiB.
func WithQueueCache(count, bytes int) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.queueCacheCount, c.queueCacheBytes = count, bytes })
}

// WithConsumeGoroutines sets how many goroutines run the handler
// concurrently; default 20.
func WithConsumeGoroutines(n int) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.consumeGoroutines = n })
}

// WithOrderly consumes each queue in order, one message at a time, while
// holding the queue's lock on the broker (clustering only).
func WithOrderly() ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.orderly = true })
}

// WithMaxReconsumeTimes sets after how many failed deliveries a message
// goes to the group's dead-letter queue; default 16.
func WithMaxReconsumeTimes(n int) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.maxReconsume = n })
}

// WithOffsetDir sets where a broadcasting consumer keeps its offsets file;
// default $HOME/.rocketmq_offsets.
func WithOffsetDir(dir string) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.offsetDir = dir })
}

// WithIntervals sets the rebalance interval (default 20 s) and the offset
// commit interval (default 5 s).
func WithIntervals(rebalance, commit time.Duration) ConsumerOption {
	return consumerOpt(func(c *consumerConfig) { c.rebalanceInterval, c.commitInterval = rebalance, commit })
}
