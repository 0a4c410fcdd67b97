package index

import (
	"context"
	"errors"
	"runtime/pprof"
	"time"
)

// labeled runs fn with a pprof label naming the goroutine.
func (s *Store) labeled(name string, fn func()) {
	pprof.Do(context.Background(), pprof.Labels("index", name), func(context.Context) { fn() })
}

// flushLoop syncs the consume queues every FlushInterval, then records in
// the checkpoint the store time that is now durable in them (RocketMQ
// FlushConsumeQueueService + logicsMsgTimestamp), and has the dispatcher
// write the newest index file's changed slot pages. When the commit log's
// minimum offset has risen since the last tick, it has the dispatcher
// delete what now points below it (RocketMQ CleanConsumeQueueService).
func (s *Store) flushLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.FlushInterval)
	defer t.Stop()
	var queues []*ConsumeQueue
	lastMin := s.log.MinOffset()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		queues = s.flushQueues(queues[:0])
		if s.keys != nil {
			if err := s.do(s.keys.flushSlots); err != nil && !errors.Is(err, ErrClosed) {
				s.cfg.Logger.Error("index: writing index slots failed", "err", err)
			}
		}
		if m := s.log.MinOffset(); m > lastMin {
			if _, err := s.DeleteBefore(m); err != nil && !errors.Is(err, ErrClosed) {
				s.cfg.Logger.Error("index: deleting files below the commit log's minimum failed", "min", m, "err", err)
			}
			lastMin = m
		}
	}
}

// flushQueues syncs every queue (reusing dst for the list) and returns
// the list for reuse.
func (s *Store) flushQueues(dst []*ConsumeQueue) []*ConsumeQueue {
	ts := s.lastStoreTs.Load()
	dst = s.queueList(dst)
	failed := false
	for _, q := range dst {
		if err := q.Flush(); err != nil {
			failed = true
			s.cfg.Logger.Error("index: consume queue flush failed", "topic", q.topic, "queueId", q.queueID, "err", err)
		}
	}
	if !failed && ts > 0 {
		s.log.Checkpoint().SetLogicsMsgTimestamp(ts)
	}
	clear(dst)
	return dst
}

// Close stops the dispatcher and the flusher, dispatches what the log has
// confirmed meanwhile, flushes the queues and the index and closes their
// files. It does not close the commit log. Safe to call twice.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed.Swap(true) {
		return nil
	}
	close(s.quit)
	s.wg.Wait()
	s.catchUp()
	s.flushQueues(nil)
	return s.closeFiles()
}

// catchUp dispatches to the confirmed offset after the loops stopped.
func (s *Store) catchUp() {
	for {
		n := s.dispatchBatch()
		s.endBatch()
		if n < s.cfg.BatchRecords {
			return
		}
	}
}

// closeFiles closes the scanner, the index and every queue.
func (s *Store) closeFiles() error {
	var first error
	if s.d.scan != nil {
		s.d.scan.Close()
	}
	if s.keys != nil {
		first = s.keys.close()
	}
	for _, q := range s.queueList(nil) {
		if err := q.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
