package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// offsetStore keeps a push consumer's offsets: in memory as consumption
// advances, and in durable storage on persist. Two implementations:
// remoteOffsets (clustering: the broker) and localOffsets (broadcasting:
// a file).
type offsetStore interface {
	// read returns the stored offset of mq, or errNoOffset.
	read(ctx context.Context, mq MessageQueue) (int64, error)
	// update sets mq's in-memory offset; it never moves it backwards
	// unless force.
	update(mq MessageQueue, offset int64, force bool)
	// current returns mq's in-memory offset (-1 when none).
	current(mq MessageQueue) int64
	// persist writes the in-memory offsets of mqs to storage.
	persist(ctx context.Context, mqs []MessageQueue) error
	// forget drops mq from memory.
	forget(mq MessageQueue)
}

// memOffsets is the in-memory table both stores share.
type memOffsets struct {
	mu      sync.Mutex
	offsets map[MessageQueue]int64 // guarded by mu
}

func (m *memOffsets) update(mq MessageQueue, offset int64, force bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.offsets == nil {
		m.offsets = make(map[MessageQueue]int64)
	}
	if old, ok := m.offsets[mq]; ok && !force && offset < old {
		return
	}
	m.offsets[mq] = offset
}

func (m *memOffsets) current(mq MessageQueue) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if off, ok := m.offsets[mq]; ok {
		return off
	}
	return -1
}

func (m *memOffsets) forget(mq MessageQueue) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.offsets, mq)
}

// remoteOffsets stores offsets on the broker (clustering).
type remoteOffsets struct {
	memOffsets
	in    *instance
	group string
}

func (r *remoteOffsets) read(ctx context.Context, mq MessageQueue) (int64, error) {
	return r.in.queryOffset(ctx, r.group, mq)
}

func (r *remoteOffsets) persist(ctx context.Context, mqs []MessageQueue) error {
	var errs []error
	for _, mq := range mqs {
		if off := r.current(mq); off >= 0 {
			if err := r.in.commitOffset(ctx, r.group, mq, off); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// localOffsets stores offsets in a JSON file (broadcasting):
// <dir>/<clientID>/<group>/offsets.json, replaced atomically (temp file,
// fsync, rename, fsync of the directory).
type localOffsets struct {
	memOffsets
	path string
	// fileMu serialises file writes and guards loaded.
	fileMu sync.Mutex
	loaded map[MessageQueue]int64 // the file's content, read once
}

// offsetRecord is one line of the offsets file.
type offsetRecord struct {
	Topic      string `json:"topic"`
	BrokerName string `json:"brokerName"`
	QueueID    int32  `json:"queueId"`
	Offset     int64  `json:"offset"`
}

type offsetFile struct {
	OffsetTable []offsetRecord `json:"offsetTable"`
}

func newLocalOffsets(dir, clientID, group string) (*localOffsets, error) {
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("client: offsets directory: %w", err)
		}
		dir = filepath.Join(home, ".rocketmq_offsets")
	}
	return &localOffsets{path: filepath.Join(dir, clientID, group, "offsets.json")}, nil
}

func (l *localOffsets) load() error {
	if l.loaded != nil {
		return nil
	}
	l.loaded = make(map[MessageQueue]int64)
	b, err := os.ReadFile(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var f offsetFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("client: offsets file %s: %w", l.path, err)
	}
	for _, r := range f.OffsetTable {
		l.loaded[MessageQueue{Topic: r.Topic, BrokerName: r.BrokerName, QueueID: r.QueueID}] = r.Offset
	}
	return nil
}

func (l *localOffsets) read(_ context.Context, mq MessageQueue) (int64, error) {
	l.fileMu.Lock()
	defer l.fileMu.Unlock()
	if err := l.load(); err != nil {
		return 0, err
	}
	if off, ok := l.loaded[mq]; ok {
		return off, nil
	}
	return 0, errNoOffset
}

func (l *localOffsets) persist(_ context.Context, mqs []MessageQueue) error {
	l.fileMu.Lock()
	defer l.fileMu.Unlock()
	if err := l.load(); err != nil {
		return err
	}
	for _, mq := range mqs {
		if off := l.current(mq); off >= 0 {
			l.loaded[mq] = off
		}
	}
	var f offsetFile
	for mq, off := range l.loaded {
		f.OffsetTable = append(f.OffsetTable, offsetRecord{mq.Topic, mq.BrokerName, mq.QueueID, off})
	}
	slices.SortFunc(f.OffsetTable, func(a, b offsetRecord) int {
		return compareQueues(MessageQueue{Topic: a.Topic, BrokerName: a.BrokerName, QueueID: a.QueueID},
			MessageQueue{Topic: b.Topic, BrokerName: b.BrokerName, QueueID: b.QueueID})
	})
	b, err := json.MarshalIndent(&f, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(l.path, b)
}

// writeFileAtomic replaces path with data: temp file, fsync, rename,
// fsync of the directory, so a crash leaves the old or the new file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".offsets-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
