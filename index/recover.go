package index

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
)

// recover is Open's work before the goroutines start (RocketMQ
// DefaultMessageStore.load + recover for the derived files):
//
//  1. load every consume queue and cut it to its valid entries that end
//     at or before the commit log's end;
//  2. load the index files, after an unclean stop rebuild the newest one's
//     slot table from its entries, cut them to the log's end;
//  3. pick the re-dispatch start: the newest consume-queue entry's end, or
//     the newest index entry if that is older; after an unclean stop also
//     no later than the segment holding the checkpoint's minimum time
//     (consume-queue pages may not have reached the disk);
//  4. re-dispatch from there to the confirmed offset;
//  5. raise the log's queue-offset table to every queue's max offset.
func (s *Store) recover() error {
	logMin, logEnd := s.log.MinOffset(), s.log.MaxOffset()
	if err := s.loadQueues(logMin, logEnd); err != nil {
		return err
	}
	if !s.cfg.DisableKeyIndex {
		ckp := s.log.Checkpoint()
		k, err := openKeyIndex(filepath.Join(s.cfg.Dir, "index"), s.cfg.IndexSlots, s.cfg.IndexEntries,
			logEnd, s.log.Recovery().CleanShutdown, s.cfg.Logger, s.cfg.now, func(ts int64) { ckp.SetIndexMsgTimestamp(ts) })
		if err != nil {
			return err
		}
		s.keys = k
	}
	from := s.redispatchFrom(logMin, logEnd)
	s.cfg.Logger.Info("index: re-dispatching the commit log tail", "from", from, "to", s.log.ConfirmedOffset())
	s.restartScan(from)
	s.dispatchAvailable()
	s.seedQueueOffsets()
	return nil
}

// loadQueues opens and recovers every consumequeue/<topic>/<queueId>.
func (s *Store) loadQueues(logMin, logEnd int64) error {
	topics, err := os.ReadDir(s.cqDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, t := range topics {
		if !t.IsDir() || !validTopic([]byte(t.Name())) {
			continue
		}
		ids, err := os.ReadDir(filepath.Join(s.cqDir, t.Name()))
		if err != nil {
			return err
		}
		for _, id := range ids {
			n, err := strconv.Atoi(id.Name())
			if err != nil || !id.IsDir() || n < 0 || n >= maxQueueID || strconv.Itoa(n) != id.Name() {
				continue
			}
			q, err := s.addQueue(t.Name(), int32(n))
			if err != nil {
				return err
			}
			if err := q.recover(logMin, logEnd); err != nil {
				return err
			}
		}
	}
	return nil
}

// redispatchFrom picks where re-dispatch starts (see recover).
func (s *Store) redispatchFrom(logMin, logEnd int64) int64 {
	from := int64(0)
	for _, q := range s.queueList(nil) {
		from = max(from, q.maxPhyEnd)
	}
	if s.keys != nil {
		if r := s.keys.resumeOffset(); r >= 0 && r < from {
			from = r
		}
	}
	if !s.log.Recovery().CleanShutdown {
		from = min(from, s.segmentBeforeTime(s.log.Checkpoint().MinTimestamp()))
	}
	return min(max(from, logMin), logEnd)
}

// segmentBeforeTime returns the start of the newest commit-log segment
// whose first record was stored at or before ts, or the log's minimum
// offset (RocketMQ recoverAbnormally's choice of the first file).
func (s *Store) segmentBeforeTime(ts int64) int64 {
	seg, logMin := s.log.SegmentSize(), s.log.MinOffset()
	for start := s.log.MaxOffset() - s.log.MaxOffset()%seg; start > logMin; start -= seg {
		if t, err := storeTimestamp(s.log, start); err == nil && t <= ts {
			return start
		}
	}
	return logMin
}

// seedQueueOffsets raises the log's next queue offset of every queue to
// the queue's max offset (RocketMQ rebuilds its topic-queue table from the
// consume queues after recovery).
func (s *Store) seedQueueOffsets() {
	for _, q := range s.queueList(nil) {
		if s.log.QueueOffset(q.topic, q.queueID) < q.MaxOffset() {
			s.log.SetQueueOffset(q.topic, q.queueID, q.MaxOffset())
		}
	}
}
