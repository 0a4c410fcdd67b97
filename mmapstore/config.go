package mmapstore

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// FlushDiskType is RocketMQ's flushDiskType.
type FlushDiskType int

const (
	// AsyncFlush (ASYNC_FLUSH): appends complete at once; a flusher writes
	// dirty pages back every FlushIntervalCommitLog.
	AsyncFlush FlushDiskType = iota
	// SyncFlush (SYNC_FLUSH): appends complete after a group-commit fdatasync.
	SyncFlush
)

// Config configures a CommitLog. Field names follow RocketMQ's
// MessageStoreConfig; the zero value of every field means its default.
type Config struct {
	// StorePathRootDir holds the checkpoint and abort files. Required.
	StorePathRootDir string
	// StorePathCommitLog is the segment directory; default <root>/commitlog.
	StorePathCommitLog string
	// MappedFileSizeCommitLog is the segment size in bytes; default 1 GiB.
	// Must be a multiple of 4096.
	MappedFileSizeCommitLog int64
	// FlushDiskType selects async flush (default) or sync flush.
	FlushDiskType FlushDiskType
	// FlushIntervalCommitLog is the async flusher's period; default 500 ms.
	FlushIntervalCommitLog time.Duration
	// FlushCommitLogLeastPages: the async flusher syncs only when at least
	// this many 4 KiB pages are dirty; default 4.
	FlushCommitLogLeastPages int
	// FlushCommitLogThoroughInterval: the async flusher syncs whatever is
	// dirty at least this often; default 10 s.
	FlushCommitLogThoroughInterval time.Duration
	// SyncFlushTimeout: a sync-flush append not durable by then completes
	// with ErrFlushTimeout; default 5 s.
	SyncFlushTimeout time.Duration
	// MaxMessageSize is the largest body accepted; default 4 MiB.
	MaxMessageSize int
	// FileReservedTime: segments whose file is older are deleted by
	// retention; default 72 h.
	FileReservedTime time.Duration
	// DeleteWhen lists the hours of day (";"-separated, e.g. "04;16") at
	// which expired segments are deleted; default "04". Past
	// DiskMaxUsedSpaceRatio they are deleted at any hour.
	DeleteWhen string
	// DiskMaxUsedSpaceRatio (percent): above it expired segments are deleted
	// at any hour; default 75.
	DiskMaxUsedSpaceRatio int
	// DiskSpaceCleanForciblyRatio (percent): above it the oldest segments are
	// deleted even if not expired; default 85.
	DiskSpaceCleanForciblyRatio int
	// CleanResourceInterval is the retention period; default 10 s.
	CleanResourceInterval time.Duration
	// DeleteCommitLogFilesInterval spaces deletions so a retention run never
	// stalls appends with a burst of unlinks; default 100 ms.
	DeleteCommitLogFilesInterval time.Duration
	// DeleteFileBatchMax caps deletions per retention run; default 10.
	DeleteFileBatchMax int
	// CheckpointInterval is how often the checkpoint file is synced; default 1 s.
	CheckpointInterval time.Duration
	// WriteWithMmap appends by copying into the mapping instead of with
	// pwrite. It is RocketMQ's writeWithoutMmap inverted, because pwrite is
	// the default here: doc.go has the measurements.
	WriteWithMmap bool
	// WarmMapedFileEnable zero-fills (and syncs) each new segment before use
	// instead of only fallocating it (RocketMQ warmMapedFileEnable, default
	// false). Later fdatasyncs then overwrite allocated blocks, which is
	// faster in isolation, but the extra writes compete with the commit
	// log's own syncs: measured slower overall here (doc.go). Segments are
	// always zero-filled under WriteWithMmap.
	WarmMapedFileEnable bool
	// StoreHost is written as STOREHOSTADDRESS into records whose StoreHost
	// is empty, and forms offset message ids; default 127.0.0.1:10911.
	StoreHost netip.AddrPort
	// Logger; nil means slog.Default().
	Logger *slog.Logger

	now       func() time.Time              // clock seam (store timestamps, file age)
	ops       *fileOps                      // file-operation seam
	diskUsage func(dir string) (int, error) // percent used of the partition; seam
	onUnmap   func(start int64)             // test hook
}

func (c *Config) setDefaults() {
	def := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	if c.StorePathCommitLog == "" && c.StorePathRootDir != "" {
		c.StorePathCommitLog = c.StorePathRootDir + "/commitlog"
	}
	if c.MappedFileSizeCommitLog == 0 {
		c.MappedFileSizeCommitLog = 1 << 30
	}
	def(&c.FlushIntervalCommitLog, 500*time.Millisecond)
	if c.FlushCommitLogLeastPages == 0 {
		c.FlushCommitLogLeastPages = 4
	}
	def(&c.FlushCommitLogThoroughInterval, 10*time.Second)
	def(&c.SyncFlushTimeout, 5*time.Second)
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = 4 << 20
	}
	def(&c.FileReservedTime, 72*time.Hour)
	if c.DeleteWhen == "" {
		c.DeleteWhen = "04"
	}
	if c.DiskMaxUsedSpaceRatio == 0 {
		c.DiskMaxUsedSpaceRatio = 75
	}
	if c.DiskSpaceCleanForciblyRatio == 0 {
		c.DiskSpaceCleanForciblyRatio = 85
	}
	def(&c.CleanResourceInterval, 10*time.Second)
	def(&c.DeleteCommitLogFilesInterval, 100*time.Millisecond)
	if c.DeleteFileBatchMax == 0 {
		c.DeleteFileBatchMax = 10
	}
	def(&c.CheckpointInterval, time.Second)
	if !c.StoreHost.IsValid() {
		c.StoreHost = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 10911)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.ops == nil {
		c.ops = osFileOps()
	}
	if c.diskUsage == nil {
		c.diskUsage = diskUsagePercent
	}
}

// validate names the first bad field.
func (c *Config) validate() error {
	bad := func(field string, v any) error { return fmt.Errorf("mmapstore: config: bad %s: %v", field, v) }
	switch {
	case c.StorePathRootDir == "":
		return bad("StorePathRootDir", `""`)
	case c.MappedFileSizeCommitLog < 64<<10 || c.MappedFileSizeCommitLog%pageSize != 0:
		return bad("MappedFileSizeCommitLog (want a multiple of 4096, at least 64 KiB)", c.MappedFileSizeCommitLog)
	case c.FlushDiskType != AsyncFlush && c.FlushDiskType != SyncFlush:
		return bad("FlushDiskType", c.FlushDiskType)
	case c.MaxMessageSize < 0 || int64(c.MaxMessageSize)+64<<10 > c.MappedFileSizeCommitLog:
		return bad("MaxMessageSize (must leave room in one segment)", c.MaxMessageSize)
	case c.FlushCommitLogLeastPages < 0:
		return bad("FlushCommitLogLeastPages", c.FlushCommitLogLeastPages)
	case c.DiskMaxUsedSpaceRatio < 10 || c.DiskMaxUsedSpaceRatio > 95:
		return bad("DiskMaxUsedSpaceRatio (10-95)", c.DiskMaxUsedSpaceRatio)
	case c.DiskSpaceCleanForciblyRatio < 30 || c.DiskSpaceCleanForciblyRatio > 85:
		return bad("DiskSpaceCleanForciblyRatio (30-85)", c.DiskSpaceCleanForciblyRatio)
	case c.DeleteFileBatchMax < 0:
		return bad("DeleteFileBatchMax", c.DeleteFileBatchMax)
	}
	if _, err := deleteHours(c.DeleteWhen); err != nil {
		return bad("DeleteWhen", err)
	}
	return nil
}

// deleteHours parses DeleteWhen ("04;16") into a set of hours.
func deleteHours(s string) ([24]bool, error) {
	var hours [24]bool
	for _, f := range strings.Split(s, ";") {
		h, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || h < 0 || h > 23 {
			return hours, fmt.Errorf("%q is not an hour 0-23", f)
		}
		hours[h] = true
	}
	return hours, nil
}
