package mmapstore

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on.
var (
	ErrClosed          = errors.New("mmapstore: closed")
	ErrFlushTimeout    = errors.New("mmapstore: flush did not complete within syncFlushTimeout (FLUSH_DISK_TIMEOUT)")
	ErrMessageTooLarge = errors.New("mmapstore: message body larger than maxMessageSize")
	ErrBatchTooLarge   = errors.New("mmapstore: batch larger than one segment")
	ErrEmptyBatch      = errors.New("mmapstore: empty batch")
	ErrBatchQueue      = errors.New("mmapstore: batch messages must share topic and queue id")
	ErrOffsetRange     = errors.New("mmapstore: offset outside the stored range")
	ErrCrossSegment    = errors.New("mmapstore: read crosses a segment end")
	ErrNotRecord       = errors.New("mmapstore: no record at this offset")
	ErrDeleted         = errors.New("mmapstore: segment deleted")
	ErrSegmentSize     = errors.New("mmapstore: segment file has the wrong size")
	ErrSegmentGap      = errors.New("mmapstore: segment files are not contiguous")
	ErrRecordSpansEnd  = errors.New("mmapstore: record does not fit in a segment")
	ErrQueueID         = errors.New("mmapstore: queue id outside [0, MaxQueueID)")
)

// MaxQueueID bounds the queue ids the log accepts (its queue-offset table
// and the index package's consume queues use the same bound).
const MaxQueueID = 1 << 16

// CorruptionError reports an invalid record that valid records follow: the
// bytes between Offset and NextValid were once written and are now damaged.
// Recovery refuses to open the log rather than silently drop what follows.
type CorruptionError struct {
	File      string // segment file path
	Offset    int64  // commit-log offset of the first invalid record
	NextValid int64  // offset of the next valid record found after it
	Reason    string // what failed: magic, size, CRC
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("mmapstore: corrupt record at offset %d in %s (%s); a valid record follows at %d",
		e.Offset, e.File, e.Reason, e.NextValid)
}

// IOError wraps a failed file operation with its identity. Once the commit
// log returns one from a write or sync, it returns the same error for every
// later append (errors are sticky).
type IOError struct {
	Op     string // "write", "sync", "create", ...
	File   string
	Offset int64
	Err    error
}

func (e *IOError) Error() string {
	return fmt.Sprintf("mmapstore: %s %s at %d: %v", e.Op, e.File, e.Offset, e.Err)
}

func (e *IOError) Unwrap() error { return e.Err }
