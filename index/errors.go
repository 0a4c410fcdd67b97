package index

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrShortEntry: fewer than EntrySize bytes where an entry should be.
	ErrShortEntry = errors.New("index: consume-queue entry shorter than 20 bytes")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("index: closed")
	// ErrOffsetOutOfRange: a consume-queue offset outside [min, max).
	ErrOffsetOutOfRange = errors.New("index: consume-queue offset out of range")
	// ErrNoQueue: no consume queue exists for the topic and queue id.
	ErrNoQueue = errors.New("index: no such consume queue")
	// ErrKeyIndexDisabled: a key query while Config.DisableKeyIndex is set.
	ErrKeyIndexDisabled = errors.New("index: key index disabled")
	// ErrBadName: a topic or queue directory name that cannot be a queue.
	ErrBadName = errors.New("index: bad topic or queue name")
)

// CorruptError reports a derived file that cannot be used as it is: which
// file, where, and why. Recovery rebuilds what it can from the commit log;
// it returns a CorruptError only for what it cannot rebuild.
type CorruptError struct {
	File   string
	Offset int64
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("index: corrupt %s at offset %d: %s", e.File, e.Offset, e.Reason)
}
