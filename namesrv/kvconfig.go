package namesrv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"

	"github.com/fastmq/fastmq/protocol"
)

// kvStore is the NameServer's namespaced key-value configuration
// (J4 namesrv/kvconfig/KVConfigManager.java), persisted as RocketMQ does in
// kvConfig.json: {"configTable":{namespace:{key:value}}}.
//
// Changes are applied in memory at once and persisted by the store's own
// goroutine, persistLoop, the way a group commit works: callers queue a
// completion, the loop takes every queued completion, writes one snapshot
// atomically (temp file, fsync, rename, fsync of the directory) and
// completes them all with the write's result. So a reply to PUT_KV_CONFIG is
// sent after the value is durable, and no event loop waits on the disk.
type kvStore struct {
	path string // kvConfig.json; "" keeps the table in memory only

	mu    sync.RWMutex
	table map[string]map[string]string // guarded by mu

	pending struct {
		sync.Mutex
		waiters []func(error) // guarded by pending.Mutex
	}
	signal chan struct{} // capacity 1: wakes persistLoop
	stop   chan struct{} // closed by close
	done   chan struct{} // closed when persistLoop returns

	// writeFile is the persistence seam; nil means writeFileAtomic.
	writeFile func(path string, data []byte) error
}

// errKVClosed completes changes queued after the store closed.
var errKVClosed = errors.New("namesrv: KV config store closed")

// openKVStore loads path (a missing file is an empty table). It starts no
// goroutine; start does.
func openKVStore(path string) (*kvStore, error) {
	s := &kvStore{path: path, table: map[string]map[string]string{},
		signal: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		writeFile: writeFileAtomic}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("namesrv: load KV config: %w", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return s, nil
	}
	table, err := protocol.DecodeKVConfig(b)
	if err != nil {
		return nil, fmt.Errorf("namesrv: load KV config %s: %w", path, err)
	}
	s.table = table
	return s, nil
}

// start runs persistLoop (pprof label namesrv=kv-persister); close stops
// it. Call start once, before close.
func (s *kvStore) start() {
	go pprof.Do(context.Background(), pprof.Labels("namesrv", "kv-persister"), func(context.Context) {
		s.persistLoop()
	})
}

// get returns one value.
func (s *kvStore) get(namespace, key string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.table[namespace][key]
	return v, ok
}

// appendNamespace appends namespace's KVTable JSON and reports whether the
// namespace exists.
func (s *kvStore) appendNamespace(dst []byte, namespace string) ([]byte, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.table[namespace]
	if !ok {
		return dst, false
	}
	return protocol.AppendKVTable(dst, t), true
}

// put sets a value and queues done (may be nil) to run once it is durable.
// The strings are kept: callers pass copies they own.
func (s *kvStore) put(namespace, key, value string, done func(error)) {
	s.mu.Lock()
	t := s.table[namespace]
	if t == nil {
		t = map[string]string{}
		s.table[namespace] = t
	}
	t[key] = value
	s.mu.Unlock()
	s.persist(done)
}

// delete removes a value (a no-op when absent, as in Java) and queues done.
func (s *kvStore) delete(namespace, key string, done func(error)) {
	s.mu.Lock()
	if t := s.table[namespace]; t != nil {
		delete(t, key)
	}
	s.mu.Unlock()
	s.persist(done)
}

// persist queues done for the next write and wakes persistLoop.
func (s *kvStore) persist(done func(error)) {
	if done == nil {
		done = func(error) {}
	}
	if s.path == "" {
		done(nil)
		return
	}
	s.pending.Lock()
	select {
	case <-s.stop:
		s.pending.Unlock()
		done(errKVClosed)
		return
	default:
	}
	s.pending.waiters = append(s.pending.waiters, done)
	s.pending.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// persistLoop writes a snapshot whenever changes are queued and completes
// their callers; on close it writes what is still queued, then returns.
func (s *kvStore) persistLoop() {
	defer close(s.done)
	for {
		select {
		case <-s.signal:
			s.flush()
		case <-s.stop:
			s.flush()
			return
		}
	}
}

// flush takes every queued completion, writes one snapshot and completes
// them. Owned by persistLoop.
func (s *kvStore) flush() {
	s.pending.Lock()
	waiters := s.pending.waiters
	s.pending.waiters = nil
	s.pending.Unlock()
	if len(waiters) == 0 {
		return
	}
	s.mu.RLock()
	data := protocol.AppendKVConfig(nil, s.table)
	s.mu.RUnlock()
	err := s.writeFile(s.path, data)
	if err != nil {
		err = fmt.Errorf("namesrv: persist KV config %s: %w", s.path, err)
	}
	for _, w := range waiters {
		w(err)
	}
}

// close stops persistLoop after it has written every queued change. Call
// it only after start; it is safe to call twice.
func (s *kvStore) close() {
	s.pending.Lock()
	select {
	case <-s.stop:
		s.pending.Unlock()
		return
	default:
		close(s.stop)
	}
	s.pending.Unlock()
	<-s.done
}

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new file: write a temp file in the same directory, fsync it,
// rename it over path, fsync the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp) // best effort; the error that matters is err
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
