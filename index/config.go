package index

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fastmq/fastmq/index/internal/idxfile"
	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/protocol"
)

// segmentBytesDefault is the consume-queue segment size used when
// Config.SegmentBytes is 0: RocketMQ's mappedFileSizeConsumeQueue,
// 300,000 entries of 20 bytes, so segment file names match RocketMQ's.
const segmentBytesDefault = 6_000_000

// Config configures a Store. The zero value of every optional field means
// its default.
type Config struct {
	// Dir is the store root (RocketMQ storePathRootDir): consume queues live
	// in Dir/consumequeue/<topic>/<queueId>/, index files in Dir/index/.
	// Required.
	Dir string
	// Log is the commit log to tail, already opened (and so recovered).
	// Required. The Store does not close it.
	Log *mmapstore.CommitLog
	// SegmentBytes is the consume-queue segment size: a multiple of 20;
	// default 6,000,000 (RocketMQ's).
	SegmentBytes int64
	// IndexSlots and IndexEntries shape each index file (RocketMQ
	// maxHashSlotNum, maxIndexNum); defaults 5,000,000 and 20,000,000.
	// Every existing index file must have the same shape.
	IndexSlots, IndexEntries int
	// DisableKeyIndex turns the key index off (messageIndexEnable=false).
	DisableKeyIndex bool
	// TagsCode, when set, returns the consume-queue tags code of a message
	// given def, the default (TagsCodeOf(m.Properties)). The broker sets it
	// to give SCHEDULE_TOPIC_XXXX entries their delivery time (store time +
	// level delay). It runs on the dispatcher goroutine; m and its slices
	// are valid only during the call; it must not block and should not
	// allocate.
	TagsCode func(m *protocol.StoredMessage, def int64) int64
	// Arrived, when set, is called once per dispatch batch for every queue
	// that grew in it, with the queue's new MaxOffset, on the dispatcher
	// goroutine with no lock held (also from Open, for the tail it
	// re-dispatches). It is the long-polling hook: it must not block (hand
	// the wake-up over and return).
	Arrived func(q *ConsumeQueue, maxOffset int64)
	// FlushInterval is the consume-queue and index flush period (RocketMQ
	// flushIntervalConsumeQueue); default 1 s.
	FlushInterval time.Duration
	// BatchRecords caps the records dispatched between two rounds of
	// Arrived calls; default 1024.
	BatchRecords int
	// Logger; nil means slog.Default().
	Logger *slog.Logger

	now func() time.Time // clock seam: index file names
}

func (c *Config) setDefaults() {
	if c.SegmentBytes == 0 {
		c.SegmentBytes = segmentBytesDefault
	}
	if c.IndexSlots == 0 {
		c.IndexSlots = idxfile.DefaultSlots
	}
	if c.IndexEntries == 0 {
		c.IndexEntries = idxfile.DefaultEntries
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = time.Second
	}
	if c.BatchRecords == 0 {
		c.BatchRecords = 1024
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
}

// errConfig is wrapped by every validation error.
var errConfig = errors.New("index: bad config")

func (c *Config) validate() error {
	switch {
	case c.Dir == "":
		return fmt.Errorf("%w: Dir is required", errConfig)
	case c.Log == nil:
		return fmt.Errorf("%w: Log is required", errConfig)
	case c.SegmentBytes <= 0 || c.SegmentBytes%EntrySize != 0:
		return fmt.Errorf("%w: SegmentBytes %d must be a positive multiple of 20", errConfig, c.SegmentBytes)
	case c.IndexSlots <= 0 || c.IndexEntries <= 1:
		return fmt.Errorf("%w: IndexSlots %d / IndexEntries %d", errConfig, c.IndexSlots, c.IndexEntries)
	case c.FlushInterval < 0 || c.BatchRecords < 0:
		return fmt.Errorf("%w: negative FlushInterval or BatchRecords", errConfig)
	}
	return nil
}
