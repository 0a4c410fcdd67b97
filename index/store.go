package index

import (
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/protocol"
)

// Store holds every consume queue and the key index of one commit log, and
// the dispatcher that builds them from it.
//
// Goroutines owned (started by Open, stopped and awaited by Close):
// dispatchLoop, the only writer of queues and index files, and flushLoop,
// which syncs consume queues every Config.FlushInterval.
type Store struct {
	cfg   Config               // immutable after Open, defaults filled
	log   *mmapstore.CommitLog // immutable
	cqDir string               // immutable

	mu struct {
		sync.RWMutex
		queues map[string]map[int32]*ConsumeQueue // topic → queue id → queue
	}

	keys *keyIndex // nil when DisableKeyIndex; writer methods on the dispatcher

	reputOffset atomic.Int64 // next commit-log offset to dispatch
	lastStoreTs atomic.Int64 // store time of the newest dispatched record

	d dispatchState // owned by the dispatcher (Open's caller before start)

	reqs    chan func() // closures run by the dispatcher
	quit    chan struct{}
	wg      sync.WaitGroup
	closed  atomic.Bool
	closeMu sync.Mutex // serializes Close
}

// dispatchState is what only the dispatcher touches.
type dispatchState struct {
	scan        *mmapstore.Scanner
	msg         protocol.StoredMessage
	grown       []*ConsumeQueue // queues that grew in the current batch
	lastStoreTs int64
	errOffset   int64 // offset of the last scan error logged
}

// Open loads the consume queues and index files under cfg.Dir, cuts them
// back to the commit log's end, re-dispatches the log's tail into them
// (before returning, so that queue offsets are right before the first new
// append), seeds the log's queue-offset table from them, and starts the
// dispatcher. cfg.Log must be open; the Store does not close it.
func Open(cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, log: cfg.Log, cqDir: filepath.Join(cfg.Dir, "consumequeue"),
		reqs: make(chan func()), quit: make(chan struct{})}
	s.mu.queues = make(map[string]map[int32]*ConsumeQueue)
	if err := s.recover(); err != nil {
		s.closeFiles()
		return nil, err
	}
	s.startLoops()
	return s, nil
}

func (s *Store) startLoops() {
	s.wg.Add(2)
	go s.labeled("dispatch", s.dispatchLoop)
	go s.labeled("flush", s.flushLoop)
}

// Queue returns the consume queue of topic and queueID, or nil when it has
// never had a message.
func (s *Store) Queue(topic string, queueID int32) *ConsumeQueue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mu.queues[topic][queueID]
}

// Queues calls fn for every consume queue, in no order, until fn returns
// false. fn runs with no lock held.
func (s *Store) Queues(fn func(*ConsumeQueue) bool) {
	for _, q := range s.queueList(nil) {
		if !fn(q) {
			return
		}
	}
}

// queueList appends every queue to dst.
func (s *Store) queueList(dst []*ConsumeQueue) []*ConsumeQueue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, qs := range s.mu.queues {
		for _, q := range qs {
			dst = append(dst, q)
		}
	}
	return dst
}

// queueFor returns the queue for a record, creating it on first use.
// Dispatcher only. topic is looked up without allocating.
func (s *Store) queueFor(topic []byte, queueID int32) (*ConsumeQueue, error) {
	s.mu.RLock()
	q := s.mu.queues[string(topic)][queueID]
	s.mu.RUnlock()
	if q != nil {
		return q, nil
	}
	if !validTopic(topic) || queueID < 0 || queueID >= maxQueueID {
		return nil, fmt.Errorf("%w: topic %q queue %d", ErrBadName, topic, queueID)
	}
	return s.addQueue(string(topic), queueID)
}

// maxQueueID bounds queue ids (mmapstore's queue-offset table uses the same).
const maxQueueID = 1 << 16

// addQueue opens the queue's directory and lists it.
func (s *Store) addQueue(topic string, queueID int32) (*ConsumeQueue, error) {
	dir := filepath.Join(s.cqDir, topic, strconv.Itoa(int(queueID)))
	q, err := openConsumeQueue(dir, topic, queueID, s.cfg.SegmentBytes, s.log, s.cfg.Logger)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	qs := s.mu.queues[topic]
	if qs == nil {
		qs = make(map[int32]*ConsumeQueue)
		s.mu.queues[topic] = qs
	}
	qs[queueID] = q
	return q, nil
}

// validTopic is RocketMQ's topic charset (TopicValidator: ^[%|a-zA-Z0-9_-]+$,
// at most 255 bytes), which also keeps the name a safe directory name.
func validTopic(t []byte) bool {
	if len(t) == 0 || len(t) > 255 {
		return false
	}
	for _, c := range t {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '%', c == '|', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// DispatchedOffset is the commit-log offset up to which every record has
// been dispatched.
func (s *Store) DispatchedOffset() int64 { return s.reputOffset.Load() }

// DispatchBehindBytes is how far dispatch trails the confirmed offset
// (RocketMQ dispatchBehindBytes).
func (s *Store) DispatchBehindBytes() int64 {
	return max(0, s.log.ConfirmedOffset()-s.reputOffset.Load())
}

// QueryKey looks up messages of topic with key (a KEYS entry or the unique
// key) stored in [begin, end] (ms), newest first, appending at most max
// commit-log offsets to dst. It returns ErrKeyIndexDisabled when the key
// index is off.
func (s *Store) QueryKey(dst []int64, topic, key string, begin, end int64, max int) (KeyQuery, error) {
	if s.keys == nil {
		return KeyQuery{PhyOffsets: dst}, ErrKeyIndexDisabled
	}
	if s.closed.Load() {
		return KeyQuery{PhyOffsets: dst}, ErrClosed
	}
	return s.keys.query(dst, []byte(topic), []byte(key), begin, end, max)
}

// DeleteBefore applies commit-log retention to the derived files: consume
// queue segments whose entries all point below logMin and index files that
// end below it are deleted, and queue minimum offsets move up (RocketMQ
// CleanConsumeQueueService). The flusher calls it on its own when the
// log's MinOffset rose; callers may too. It runs on the dispatcher and
// returns the number of files deleted.
func (s *Store) DeleteBefore(logMin int64) (int, error) {
	var n int
	err := s.do(func() error {
		var first error
		for _, q := range s.queueList(nil) {
			k, err := q.deleteBefore(logMin)
			n += k
			if err != nil && first == nil {
				first = err
			}
		}
		if s.keys != nil {
			k, err := s.keys.deleteBefore(logMin)
			n += k
			if err != nil && first == nil {
				first = err
			}
		}
		return first
	})
	return n, err
}

// Truncate drops every consume-queue entry and index entry whose message
// lies at or past logEnd and moves dispatch back there; the broker calls it
// after cutting the commit log at runtime (a slave truncating to its
// master, RocketMQ truncateDirtyFiles). logEnd must be a record boundary.
// It runs on the dispatcher.
func (s *Store) Truncate(logEnd int64) error {
	return s.do(func() error { return s.truncate(logEnd) })
}

// truncate is Truncate's work; dispatcher only.
func (s *Store) truncate(logEnd int64) error {
	for _, q := range s.queueList(nil) {
		if err := q.truncate(s.log.MinOffset(), logEnd); err != nil {
			return err
		}
	}
	if s.keys != nil {
		if err := s.keys.truncate(logEnd); err != nil {
			return err
		}
	}
	if s.reputOffset.Load() > logEnd {
		s.restartScan(logEnd)
	}
	return nil
}

// do runs fn on the dispatcher and returns its error.
func (s *Store) do(fn func() error) error {
	done := make(chan error, 1)
	select {
	case s.reqs <- func() { done <- fn() }:
		return <-done
	case <-s.quit:
		return ErrClosed
	}
}
