package mmapstore

// This is the one file of the package that knows the stored-message layout
// (it imports protocol): append encoding, record validation for recovery,
// scan and read.

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"

	"github.com/fastmq/fastmq/protocol"
)

// ErrBatchTransaction: a batch may not hold transactional messages (RocketMQ).
var ErrBatchTransaction = errors.New("mmapstore: transactional messages cannot be batched")

// Append validates m, encodes it as one stored-message record at the end of
// the log and hands done to the flush policy (see Done). It fills in m's
// TotalSize, Magic, BodyCRC, PhysicalOffset, QueueOffset, StoreTimestamp and,
// when empty, StoreHost; the other fields are the caller's. m's slices are
// only read, and only until Append returns. It does not allocate.
//
// Invalid input is refused before anything is written: ErrMessageTooLarge,
// ErrQueueID, protocol.ErrTopicEmpty / ErrTopicTooLong / ErrTopicChars,
// protocol.ErrPropertiesTooLong, protocol.ErrHostFlags. After a failed write
// or sync every Append returns that same error.
func (l *CommitLog) Append(m *protocol.StoredMessage, done Done) error {
	return l.appendOne(m, done, false)
}

// AppendDeferred is Append with no completion whose write may be deferred:
// under async flush the record is encoded into the write buffer but written
// (and made visible to readers) only by the next WritePending, Append,
// flush, or once 256 KiB are buffered. Whoever acknowledges the record must
// call WritePending first. Under sync flush and with WriteWithMmap it is
// Append(m, nil). It does not allocate.
func (l *CommitLog) AppendDeferred(m *protocol.StoredMessage) error {
	return l.appendOne(m, nil, true)
}

// AppendBatchDeferred is AppendBatch as AppendDeferred is Append.
func (l *CommitLog) AppendBatchDeferred(msgs []protocol.StoredMessage) error {
	return l.appendBatch(msgs, nil, true)
}

// WritePending writes every record appended before the call that is still
// buffered, with one pwrite per segment spanned, makes them visible and
// advances ConfirmedOffset (async flush). It waits for a write of buffered
// records in progress on another goroutine. It returns the sticky error if
// records appended before the call are still unwritten because writing
// failed, now or earlier: they may be lost and must not be acknowledged.
// Once everything appended before the call is written it returns nil, even
// after a later failure. Safe from any goroutine; cheap when nothing is
// buffered.
func (l *CommitLog) WritePending() error {
	if l.cfg.FlushDiskType != AsyncFlush {
		return l.Err()
	}
	// Everything reserved so far is written: nothing to do, no lock. Read
	// reserved first: a record reserved before the call ends at or below it.
	if r := l.reserved.Load(); l.q.writeOff.Load() >= r {
		return nil
	}
	return l.commitPending()
}

func (l *CommitLog) appendOne(m *protocol.StoredMessage, done Done, deferred bool) error {
	if err := l.prepareMessage(m); err != nil {
		return err
	}
	r, err := l.reserve(m.Size(), 1, m.Topic, m.QueueID, m.SysFlag)
	if err != nil {
		return err
	}
	m.PhysicalOffset, m.QueueOffset, m.StoreTimestamp = r.phy, r.queueOffset, r.storeTs
	protocol.PutStoredMessage(r.dst, m)
	if _, err := l.publish(&r, deferred); err != nil {
		return err
	}
	l.complete(&r, done)
	return nil
}

// AppendBatch appends msgs as consecutive records in one segment, with
// consecutive queue offsets, under one lock and one completion. All must
// share topic and queue id and none may be transactional. Each message is
// filled in as by Append.
func (l *CommitLog) AppendBatch(msgs []protocol.StoredMessage, done Done) error {
	return l.appendBatch(msgs, done, false)
}

func (l *CommitLog) appendBatch(msgs []protocol.StoredMessage, done Done, deferred bool) error {
	if len(msgs) == 0 {
		return ErrEmptyBatch
	}
	total := 0
	for i := range msgs {
		m := &msgs[i]
		if err := l.prepareMessage(m); err != nil {
			return fmt.Errorf("batch message %d: %w", i, err)
		}
		if !bytes.Equal(m.Topic, msgs[0].Topic) || m.QueueID != msgs[0].QueueID {
			return ErrBatchQueue
		}
		if m.SysFlag&protocol.SysFlagTransactionMask != 0 {
			return ErrBatchTransaction
		}
		total += m.Size()
	}
	if int64(total)+blankSize > l.q.segSize {
		return fmt.Errorf("%w: %d bytes", ErrBatchTooLarge, total)
	}
	r, err := l.reserve(total, len(msgs), msgs[0].Topic, msgs[0].QueueID, 0)
	if err != nil {
		return err
	}
	pos := 0
	for i := range msgs {
		m := &msgs[i]
		m.PhysicalOffset, m.QueueOffset, m.StoreTimestamp = r.phy+int64(pos), r.queueOffset+int64(i), r.storeTs
		pos += protocol.PutStoredMessage(r.dst[pos:], m)
	}
	if _, err := l.publish(&r, deferred); err != nil {
		return err
	}
	l.complete(&r, done)
	return nil
}

// prepareMessage validates m and computes what can be computed outside the
// append lock: body CRC, store host, magic.
func (l *CommitLog) prepareMessage(m *protocol.StoredMessage) error {
	if len(m.Body) > l.cfg.MaxMessageSize {
		return fmt.Errorf("%w: %d > %d bytes", ErrMessageTooLarge, len(m.Body), l.cfg.MaxMessageSize)
	}
	if m.QueueID < 0 || m.QueueID >= MaxQueueID {
		return fmt.Errorf("%w: %d", ErrQueueID, m.QueueID)
	}
	if len(m.StoreHost) == 0 {
		m.StoreHost = l.storeHost
		m.SysFlag &^= protocol.SysFlagStoreHostV6
		if len(l.storeHost) == 20 {
			m.SysFlag |= protocol.SysFlagStoreHostV6
		}
	}
	if err := protocol.ValidateStoredMessage(m); err != nil {
		return err
	}
	m.Magic = protocol.MagicV1
	m.BodyCRC = protocol.BodyCRC(m.Body)
	return nil
}

// AppendOffsetMsgID appends the offset message id of the record at
// phyOffset stored by this log (store host + offset, uppercase hex).
func (l *CommitLog) AppendOffsetMsgID(dst []byte, phyOffset int64) []byte {
	return protocol.AppendOffsetMsgID(dst, l.storeHost, phyOffset)
}

func putBlank(dst []byte, n int32) { protocol.PutBlank(dst, n) }

func appendHost(dst []byte, ap netip.AddrPort) []byte { return protocol.AppendHost(dst, ap) }

// recordKind classifies the bytes at a record position.
type recordKind int

const (
	recordValid   recordKind = iota
	recordBlank              // end-of-segment filler
	recordEnd                // zero header: nothing was written here
	recordInvalid            // damaged or torn
)

// checkRecord validates the record at the start of b, which sits at
// commit-log offset off and runs to the end of its segment: magic, size in
// bounds, field lengths, PHYSICALOFFSET == off and, when checkCRC, the body
// CRC. It returns the record size (for a blank: the bytes to the segment
// end) and, for an invalid record, why.
func checkRecord(b []byte, off int64, checkCRC bool) (int, recordKind, string) {
	size, magic, ok := protocol.PeekRecordHeader(b)
	switch {
	case !ok:
		return 0, recordInvalid, "short header"
	case size == 0 && magic == 0:
		return 0, recordEnd, ""
	case magic == protocol.MagicBlank:
		if int(size) != len(b) {
			return 0, recordInvalid, "blank size does not reach the segment end"
		}
		return int(size), recordBlank, ""
	case magic != protocol.MagicV1 && magic != protocol.MagicV2:
		return 0, recordInvalid, "magic"
	case size < protocol.StoredMessageFixedSizeV1 || int(size)+blankSize > len(b):
		return 0, recordInvalid, "size"
	}
	var m protocol.StoredMessage
	if err := protocol.DecodeStoredMessage(b, &m); err != nil {
		return 0, recordInvalid, "fields"
	}
	if m.PhysicalOffset != off {
		return 0, recordInvalid, "physical offset"
	}
	if checkCRC && !protocol.VerifyBodyCRC(&m) {
		return 0, recordInvalid, "body CRC"
	}
	return int(size), recordValid, ""
}

// replayRecordLocked updates the queue-offset table and store time from a valid
// record found by recovery; l.mu is held.
func (l *CommitLog) replayRecordLocked(rec []byte) {
	var m protocol.StoredMessage
	if protocol.DecodeStoredMessage(rec, &m) != nil {
		return
	}
	l.mu.lastStoreTs = m.StoreTimestamp
	if takesQueueOffset(m.SysFlag) && m.QueueID >= 0 && m.QueueID < MaxQueueID {
		qs := l.mu.queueOffsets[string(m.Topic)]
		if int(m.QueueID) >= len(qs) || qs[m.QueueID] <= m.QueueOffset {
			l.setQueueOffsetLocked(m.Topic, m.QueueID, m.QueueOffset+1)
		}
	}
}

// magicPatterns are the byte patterns a record's MAGICCODE field can hold,
// for searching valid records after a damaged one.
var magicPatterns = [][]byte{{0xDA, 0xA3, 0x20, 0xA7}, {0xDA, 0xA3, 0x20, 0xAB}}

// nextValidIn returns the position of the first valid record in seg data
// after position from (searching by magic, then validating), or -1.
func nextValidIn(data []byte, segStart int64, from int) int {
	best := -1
	for _, pat := range magicPatterns {
		for p := from + 1; p+4 <= len(data); {
			i := bytes.Index(data[p+4:], pat)
			if i < 0 {
				break
			}
			cand := p + i
			if best >= 0 && cand >= best {
				break
			}
			if _, kind, _ := checkRecord(data[cand:], segStart+int64(cand), true); kind == recordValid {
				best = cand
				break
			}
			p = cand + 1
		}
	}
	return best
}

// Read returns the whole record at phyOffset, which must be a record
// boundary below MaxOffset, as a zero-copy view (release it when done).
func (l *CommitLog) Read(phyOffset int64) (View, error) {
	max := l.q.WriteOffset()
	if phyOffset < 0 || phyOffset+protocol.BlankHeaderSize > max {
		return View{}, fmt.Errorf("%w: %d not in [%d, %d)", ErrOffsetRange, phyOffset, l.MinOffset(), max)
	}
	seg, err := l.q.acquireAt(phyOffset)
	if err != nil {
		return View{}, err
	}
	pos := phyOffset - seg.start
	size, magic, _ := protocol.PeekRecordHeader(seg.data[pos:])
	if (magic != protocol.MagicV1 && magic != protocol.MagicV2) || size < protocol.StoredMessageFixedSizeV1 ||
		pos+int64(size) > seg.size || phyOffset+int64(size) > max {
		seg.release()
		return View{}, fmt.Errorf("%w: %d", ErrNotRecord, phyOffset)
	}
	return View{seg: seg, b: seg.data[pos : pos+int64(size) : pos+int64(size)]}, nil
}
