package index

import "github.com/fastmq/fastmq/protocol"

// dispatchLoop is the dispatcher goroutine (RocketMQ ReputMessageService):
// it dispatches whatever the commit log has confirmed, then waits for the
// log's confirmed-offset signal, a request, or Close. No timer: an idle
// store costs nothing.
func (s *Store) dispatchLoop() {
	defer s.wg.Done()
	sig := s.log.ConfirmedSignal()
	for {
		s.dispatchAvailable()
		select {
		case <-s.quit:
			return
		case <-sig:
		case fn := <-s.reqs:
			fn()
		}
	}
}

// dispatchAvailable dispatches up to the confirmed offset in batches of
// Config.BatchRecords, publishing the index and notifying grown queues
// after each batch. It returns early when Close was called.
func (s *Store) dispatchAvailable() {
	for {
		n := s.dispatchBatch()
		s.endBatch()
		if n < s.cfg.BatchRecords {
			return
		}
		select { // between batches: Close, or a request that should not wait for the catch-up
		case <-s.quit:
			return
		case fn := <-s.reqs:
			fn()
		default:
		}
	}
}

// dispatchBatch dispatches at most BatchRecords records and returns how
// many it saw.
func (s *Store) dispatchBatch() int {
	sc := s.d.scan
	n := 0
	for n < s.cfg.BatchRecords && sc.Next() {
		s.dispatchRecord(sc.Record(), sc.Offset())
		n++
	}
	if n < s.cfg.BatchRecords && sc.Err() != nil {
		s.scanFailed(sc.Err())
	}
	return n
}

// dispatchRecord builds the consume-queue entry and the index entries of
// one record. rec aliases the mapped log and is valid only during the
// call. It allocates nothing unless a queue or an index file is created.
func (s *Store) dispatchRecord(rec []byte, phyOffset int64) {
	m := &s.d.msg
	if err := protocol.DecodeStoredMessage(rec, m); err != nil {
		s.cfg.Logger.Error("index: [BUG] undecodable record passed by the scanner", "offset", phyOffset, "err", err)
		return
	}
	tx := m.SysFlag & protocol.SysFlagTransactionMask
	if tx == protocol.SysFlagTransactionNot || tx == protocol.SysFlagTransactionCommit {
		s.dispatchToQueue(m, phyOffset)
	}
	if s.keys != nil && tx != protocol.SysFlagTransactionRollbk {
		uniq, _ := protocol.PropertyValue(m.Properties, protocol.PropertyUniqKey)
		keys, _ := protocol.PropertyValue(m.Properties, protocol.PropertyKeys)
		if err := s.keys.putMessage(m.Topic, uniq, keys, phyOffset, m.StoreTimestamp); err != nil {
			s.cfg.Logger.Error("index: key index write failed", "offset", phyOffset, "err", err)
		}
	}
	s.d.lastStoreTs = m.StoreTimestamp
}

// dispatchToQueue appends the record's consume-queue entry.
func (s *Store) dispatchToQueue(m *protocol.StoredMessage, phyOffset int64) {
	q, err := s.queueFor(m.Topic, m.QueueID)
	if err != nil {
		s.cfg.Logger.Error("index: no consume queue for record", "offset", phyOffset, "err", err)
		return
	}
	tags := TagsCodeOf(m.Properties)
	if s.cfg.TagsCode != nil {
		tags = s.cfg.TagsCode(m, tags)
	}
	grew, err := q.put(Entry{PhyOffset: phyOffset, Size: m.TotalSize, TagsCode: tags}, m.QueueOffset)
	if err != nil {
		s.cfg.Logger.Error("index: consume queue append failed", "topic", q.topic, "queueId", q.queueID,
			"offset", phyOffset, "err", err)
		return
	}
	if grew && !q.notifyPending {
		q.notifyPending = true
		s.d.grown = append(s.d.grown, q)
	}
}

// endBatch publishes the index header, then the reput offset (so that
// DispatchedOffset covers only what queries can see), and tells
// Config.Arrived about every queue that grew, with no lock held.
func (s *Store) endBatch() {
	if s.keys != nil {
		if err := s.keys.publish(); err != nil {
			s.cfg.Logger.Error("index: publishing the index header failed", "err", err)
		}
	}
	s.reputOffset.Store(s.d.scan.NextOffset())
	s.lastStoreTs.Store(s.d.lastStoreTs)
	for i, q := range s.d.grown {
		q.notifyPending = false
		if s.cfg.Arrived != nil {
			s.cfg.Arrived(q, q.MaxOffset())
		}
		s.d.grown[i] = nil
	}
	s.d.grown = s.d.grown[:0]
}

// scanFailed handles a scanner error at the reput offset: below the log's
// minimum (retention ran ahead) it restarts there; otherwise it logs once
// and skips to the next segment if the log has one (RocketMQ skips the
// rest of the mapped buffer), or retries at the same offset later.
func (s *Store) scanFailed(err error) {
	off := s.d.scan.NextOffset()
	if min := s.log.MinOffset(); off < min {
		s.restartScan(min)
		return
	}
	if s.d.errOffset != off {
		s.d.errOffset = off
		s.cfg.Logger.Error("index: [BUG] dispatch cannot read the commit log", "offset", off, "err", err)
	}
	seg := s.log.SegmentSize()
	next := off - off%seg + seg
	if next >= s.log.ConfirmedOffset() {
		next = off // nothing to skip to yet: retry here on the next signal
	}
	s.restartScan(next)
}

// restartScan moves the dispatcher to offset, a record boundary.
func (s *Store) restartScan(offset int64) {
	if s.d.scan != nil {
		s.d.scan.Close()
	}
	s.d.scan = s.log.NewScanner(offset)
	s.reputOffset.Store(offset)
}
