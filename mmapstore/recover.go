package mmapstore

import (
	"bytes"
)

// RecoveryReport says what Open found and did.
type RecoveryReport struct {
	CleanShutdown bool  // no abort marker was found
	ScanFrom      int64 // first offset scanned (start of the segment holding the checkpoint's flushed offset)
	End           int64 // recovered end: the write offset after Open
	Records       int   // valid records scanned
	// TornAt is the offset of a torn (half-written) record that was
	// truncated, or -1. TornBytes counts the non-zero bytes zeroed after it.
	TornAt    int64
	TornBytes int64
	// DiscardedFrom is the offset of valid records that followed an invalid
	// one beyond the checkpoint's flushed offset and were dropped (writes
	// never confirmed flushed can reach the disk out of order), or -1.
	DiscardedFrom int64
	// CheckpointFlushed is the flushed offset the checkpoint recorded; End
	// below it means the disk lost data it had acknowledged.
	CheckpointFlushed int64
}

// scanSeg is one segment as the recovery scan sees it.
type scanSeg struct {
	start int64
	data  []byte
	path  string
}

// scanResult is the outcome of scanLog.
type scanResult struct {
	end           int64
	records       int
	tornAt        int64 // -1 if none
	zeroTo        int64 // zero [end, zeroTo) in the segment holding end
	discardedFrom int64 // -1 if none
	corrupt       *CorruptionError
}

// scanLog validates every record from the start of segs[0] (CRC included)
// and finds the end of the log. It calls onRecord for each valid record.
// When it meets an invalid record at X it searches for a valid record after
// it: none means a torn tail (truncate at X); one found when X is below
// ckpFlushed means damaged durable data (a CorruptionError); one found at or
// beyond ckpFlushed means unsynced writes that reached the disk out of order
// (truncate at X, report DiscardedFrom).
func scanLog(segs []scanSeg, ckpFlushed int64, onRecord func(rec []byte)) scanResult {
	res := scanResult{tornAt: -1, discardedFrom: -1}
	for i, s := range segs {
		pos := 0
		for {
			size, kind, reason := checkRecord(s.data[pos:], s.start+int64(pos), true)
			if kind == recordValid {
				onRecord(s.data[pos : pos+size])
				res.records++
				pos += size
				continue
			}
			if kind == recordBlank {
				break
			}
			return stopAt(segs, i, pos, kind, reason, ckpFlushed, res)
		}
		res.end = s.start + int64(len(s.data))
	}
	res.zeroTo = res.end
	return res
}

// stopAt classifies the first non-valid record, at segs[i] position pos.
func stopAt(segs []scanSeg, i, pos int, kind recordKind, reason string, ckpFlushed int64, res scanResult) scanResult {
	s := segs[i]
	off := s.start + int64(pos)
	res.end = off
	res.zeroTo = s.start + int64(lastNonZero(s.data, pos))
	next := int64(-1)
	if p := nextValidIn(s.data, s.start, pos); p >= 0 {
		next = s.start + int64(p)
	}
	for j := i + 1; next < 0 && j < len(segs); j++ {
		if p := nextValidIn(segs[j].data, segs[j].start, -1); p >= 0 {
			next = segs[j].start + int64(p)
		}
	}
	if kind == recordEnd && reason == "" {
		reason = "zero header"
	}
	switch {
	case next >= 0 && off < ckpFlushed:
		res.corrupt = &CorruptionError{File: s.path, Offset: off, NextValid: next, Reason: reason}
	case next >= 0:
		res.discardedFrom = next
	case kind == recordInvalid:
		res.tornAt = off
	}
	return res
}

// lastNonZero returns the end of the last non-zero byte of data at or after
// from (from itself if all zero), checking a page at a time from the end.
func lastNonZero(data []byte, from int) int {
	var zero [pageSize]byte
	end := len(data)
	for end > from {
		start := max(from, end-pageSize)
		chunk := data[start:end]
		if !bytes.Equal(chunk, zero[:len(chunk)]) {
			for k := len(chunk) - 1; k >= 0; k-- {
				if chunk[k] != 0 {
					return start + k + 1
				}
			}
		}
		end = start
	}
	return from
}

// recover scans from the checkpoint's safe point, truncates the tail, and
// sets the write, flushed and confirmed offsets.
func (l *CommitLog) recover(clean bool) error {
	segs := *l.q.segs.Load()
	rep := RecoveryReport{CleanShutdown: clean, TornAt: -1, DiscardedFrom: -1, CheckpointFlushed: l.ckp.FlushedOffset()}
	first := 0
	for first < len(segs)-1 && segs[first].end() <= rep.CheckpointFlushed {
		first++
	}
	scan := make([]scanSeg, 0, len(segs)-first)
	for _, s := range segs[first:] {
		scan = append(scan, scanSeg{start: s.start, data: s.data, path: s.path})
	}
	if len(scan) > 0 {
		rep.ScanFrom = scan[0].start
	}
	l.mu.Lock()
	res := scanLog(scan, rep.CheckpointFlushed, l.replayRecordLocked)
	ts := l.mu.lastStoreTs
	l.mu.Unlock()
	if res.corrupt != nil {
		l.cfg.Logger.Error("mmapstore: commit log is corrupt; refusing to open", "err", res.corrupt)
		return res.corrupt
	}
	rep.End, rep.Records, rep.TornAt, rep.DiscardedFrom = res.end, res.records, res.tornAt, res.discardedFrom
	if res.zeroTo > res.end {
		rep.TornBytes = res.zeroTo - res.end
	}
	l.logRecovery(rep)
	if err := l.q.truncateTo(rep.End, res.zeroTo); err != nil {
		return err
	}
	if err := l.syncFrom(rep.ScanFrom); err != nil {
		return err
	}
	if ts == 0 {
		// No record in the scanned segments (the log ends at a segment
		// start): keep the store time the checkpoint had rather than
		// record 0, which would send an abnormal recovery of the consume
		// queues back to the start of the log.
		ts = l.ckp.PhysicMsgTimestamp()
	}
	l.recovery = rep
	l.mu.wb.next = rep.End
	l.reserved.Store(rep.End)
	l.flushedTs.Store(ts)
	l.confirmed.Store(rep.End)
	// Record the recovered end as the flushed offset now: when the disk
	// lost synced data the old checkpoint claims more than the log holds,
	// and new, unsynced records written there must not count as durable
	// if the next crash tears them.
	return l.writeCheckpoint()
}

// syncFrom fdatasyncs every segment from offset on, so that FlushedOffset
// (set to the recovered end) is true even for bytes a killed process left
// only in the page cache.
func (l *CommitLog) syncFrom(offset int64) error {
	for _, s := range *l.q.segs.Load() {
		if s.end() <= offset {
			continue
		}
		if err := s.sync(); err != nil {
			return err
		}
	}
	return nil
}

func (l *CommitLog) logRecovery(rep RecoveryReport) {
	log := l.cfg.Logger
	if rep.TornAt >= 0 {
		log.Warn("mmapstore: truncating torn tail of the commit log", "offset", rep.TornAt, "zeroedBytes", rep.TornBytes)
	}
	if rep.DiscardedFrom >= 0 {
		log.Error("mmapstore: dropping records that follow an invalid record beyond the checkpoint's flushed offset",
			"end", rep.End, "firstDropped", rep.DiscardedFrom, "checkpointFlushed", rep.CheckpointFlushed)
	}
	if rep.End < rep.CheckpointFlushed {
		log.Error("mmapstore: recovered end is below the checkpoint's flushed offset: the disk lost synced data",
			"end", rep.End, "checkpointFlushed", rep.CheckpointFlushed)
	}
	log.Info("mmapstore: commit log recovered", "clean", rep.CleanShutdown, "scanFrom", rep.ScanFrom, "end", rep.End, "records", rep.Records)
}
