package mmapstore

import (
	"time"

	"golang.org/x/sys/unix"
)

// diskUsagePercent returns the used share of the partition holding dir.
func diskUsagePercent(dir string) (int, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	total := st.Blocks * uint64(st.Bsize)
	if total == 0 {
		return 0, nil
	}
	free := st.Bavail * uint64(st.Bsize)
	used := total - st.Bfree*uint64(st.Bsize)
	return int(used * 100 / (used + free)), nil
}

// retentionLoop runs a retention pass every CleanResourceInterval.
func (l *CommitLog) retentionLoop() {
	t := time.NewTicker(l.cfg.CleanResourceInterval)
	defer t.Stop()
	for {
		select {
		case <-l.quit:
			return
		case <-t.C:
			if _, err := l.clean(l.cfg.now(), l.waitBetweenDeletes); err != nil {
				l.cfg.Logger.Warn("mmapstore: retention", "err", err)
			}
		}
	}
}

// waitBetweenDeletes paces deletions; it reports false when the log closes.
func (l *CommitLog) waitBetweenDeletes() bool {
	t := time.NewTimer(l.cfg.DeleteCommitLogFilesInterval)
	defer t.Stop()
	select {
	case <-l.quit:
		return false
	case <-t.C:
		return true
	}
}

// DeleteExpired runs one retention pass now, as the periodic one does but
// without pacing: see clean. It returns how many segments it deleted.
func (l *CommitLog) DeleteExpired() (int, error) {
	return l.clean(l.cfg.now(), func() bool { return true })
}

// clean deletes whole segments from the oldest on (RocketMQ
// CleanCommitLogService): expired ones (file older than FileReservedTime)
// when the hour is in DeleteWhen or the disk is fuller than
// DiskMaxUsedSpaceRatio; any, expired or not, when the disk is fuller than
// DiskSpaceCleanForciblyRatio. It stops at the first segment it keeps (no
// holes), never deletes the segment being written (nor one whose records
// are still buffered for it), deletes at most
// DeleteFileBatchMax, and calls pace between deletions. A deleted segment's
// file is unlinked at once; its mapping stays until the last reader
// releases it.
func (l *CommitLog) clean(now time.Time, pace func() bool) (int, error) {
	usage, err := l.cfg.diskUsage(l.q.dir)
	if err != nil {
		l.cfg.Logger.Warn("mmapstore: reading disk usage", "dir", l.q.dir, "err", err)
		usage = 0
	}
	forcibly := usage >= l.cfg.DiskSpaceCleanForciblyRatio
	if !l.delHours[now.Hour()] && usage < l.cfg.DiskMaxUsedSpaceRatio && !forcibly {
		return 0, nil
	}
	deleted := 0
	for deleted < l.cfg.DeleteFileBatchMax {
		segs := *l.q.segs.Load()
		// Never a segment the write offset has not passed: under sync
		// flush its last records may still be in the write buffer.
		if len(segs) < 2 || segs[0].end() > l.q.WriteOffset() ||
			!(forcibly || l.expired(segs[0], now)) { // stat outside the list lock
			return deleted, nil
		}
		oldest := segs[0]
		n, err := l.q.deleteOldest(func(s *segment) bool { return s == oldest }, 1)
		if err != nil || n == 0 {
			return deleted, err
		}
		deleted++
		l.cfg.Logger.Info("mmapstore: deleted commit-log segment", "minOffset", l.q.MinOffset(), "forcibly", forcibly, "diskUsedPercent", usage)
		if !pace() {
			break
		}
	}
	return deleted, nil
}

// expired reports whether the segment's file is older than FileReservedTime.
func (l *CommitLog) expired(s *segment, now time.Time) bool {
	st, err := s.f.Stat()
	if err != nil {
		return false
	}
	return !now.Before(st.ModTime().Add(l.cfg.FileReservedTime))
}
