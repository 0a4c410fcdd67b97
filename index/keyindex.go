package index

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fastmq/fastmq/index/internal/idxfile"
)

// keyIndex is the key index: index files in RocketMQ's layout under
// Dir/index/, named by creation time, the newest one being written.
//
// The files are read and written with pread and pwrite, not mapped:
// mmapstore maps only offset-named segment files and hands out read-only
// views, and an index file is named by time and updated in place (slots).
// The page cache keeps them as warm as a mapping would.
//
// Concurrency: one writer (the dispatcher: put, publish, roll, truncate,
// deleteBefore, close); queries from any goroutine. mu guards the file
// list; a query takes a snapshot of it and reads the files with pread, and
// sees each file's header as last published (keyFile.published).
type keyIndex struct {
	dir     string // immutable
	slots   int    // immutable
	entries int    // immutable
	logger  *slog.Logger
	now     func() time.Time
	onFull  func(endTimestamp int64) // called after a full file was synced

	mu    sync.RWMutex
	files []*keyFile // guarded by mu; oldest first, the last one is written
}

// keyFile is one open index file.
type keyFile struct {
	path string        // immutable
	f    *os.File      // immutable; closed when deleted
	idx  *idxfile.File // writer methods: writer only

	pub struct { // the header queries rely on
		sync.Mutex
		h idxfile.Header // guarded by pub
	}
}

// published returns the header as last published.
func (k *keyFile) published() idxfile.Header {
	k.pub.Lock()
	defer k.pub.Unlock()
	return k.pub.h
}

// setPublished makes h the header queries see.
func (k *keyFile) setPublished(h idxfile.Header) {
	k.pub.Lock()
	k.pub.h = h
	k.pub.Unlock()
}

// publish writes the writer's header to the file and makes it visible to
// queries.
func (k *keyFile) publish() error {
	if err := k.idx.WriteHeader(); err != nil {
		return err
	}
	k.setPublished(k.idx.Header())
	return nil
}

// errIndexShape reports an index file whose size does not match the
// configured slot and entry counts.
var errIndexShape = errors.New("index: index file size does not match IndexSlots/IndexEntries")

// openKeyIndex loads the index files of dir, oldest first. After an
// unclean stop the newest one's slot table is rebuilt from its entries (it
// is written only now and then, see idxfile.File); then every file is cut
// back to logEnd.
func openKeyIndex(dir string, slots, entries int, logEnd int64, clean bool, logger *slog.Logger,
	now func() time.Time, onFull func(int64)) (*keyIndex, error) {
	k := &keyIndex{dir: dir, slots: slots, entries: entries, logger: logger, now: now, onFull: onFull}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names, err := indexFileNames(dir)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		kf, err := k.load(filepath.Join(dir, name))
		if err != nil {
			k.close()
			return nil, err
		}
		k.files = append(k.files, kf)
	}
	if err := k.recover(logEnd, clean); err != nil {
		k.close()
		return nil, err
	}
	return k, nil
}

// indexFileNames lists the 17-digit index file names in dir, ascending,
// and removes files left half-created.
func indexFileNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() && strings.HasSuffix(name, tmpSuffix) {
			os.Remove(filepath.Join(dir, name)) // a creation a crash interrupted
			continue
		}
		if !e.IsDir() && len(name) == 17 && strings.Trim(name, "0123456789") == "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// load opens one index file and reads its header.
func (k *keyIndex) load(path string) (*keyFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.Size() != idxfile.Size(k.slots, k.entries) {
		err = fmt.Errorf("%w: %s is %d bytes, want %d", errIndexShape, path, st.Size(), idxfile.Size(k.slots, k.entries))
	}
	var idx *idxfile.File
	if err == nil {
		idx, err = idxfile.Load(f, k.slots, k.entries)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("index: load %s: %w", path, err)
	}
	kf := &keyFile{path: path, f: f, idx: idx}
	kf.setPublished(idx.Header())
	return kf, nil
}

// recover rebuilds the newest file's slots after an unclean stop and
// removes entries at or past logEnd from every file that has some.
func (k *keyIndex) recover(logEnd int64, clean bool) error {
	if n := len(k.files); n > 0 && !clean {
		last := k.files[n-1]
		changed, err := last.idx.Rebuild()
		if err != nil {
			return fmt.Errorf("index: rebuild %s: %w", last.path, err)
		}
		k.logger.Info("index: rebuilt the newest index file's slots from its entries", "file", last.path, "changedSlots", changed)
	}
	return k.truncate(logEnd)
}

// truncate undoes, newest file first, every entry at or past logEnd.
// Writer only.
func (k *keyIndex) truncate(logEnd int64) error {
	for i := len(k.files) - 1; i >= 0; i-- {
		kf := k.files[i]
		if kf.idx.Header().EndPhyOffset < logEnd && kf.idx.Count() > 0 {
			break
		}
		removed, err := kf.idx.Truncate(logEnd)
		if err != nil {
			return fmt.Errorf("index: truncate %s: %w", kf.path, err)
		}
		if removed > 0 {
			k.logger.Warn("index: dropped index entries past the commit log's end", "file", kf.path, "entries", removed, "logEnd", logEnd)
		}
		if err := kf.publish(); err != nil {
			return err
		}
	}
	return nil
}

// resumeOffset is where a re-dispatch must start for the index to miss
// nothing: the message of the newest entry (re-dispatching it is detected
// by has), or -1 with no entry at all.
func (k *keyIndex) resumeOffset() int64 {
	for i := len(k.files) - 1; i >= 0; i-- {
		if h := k.files[i].idx.Header(); h.IndexCount > 1 {
			return h.EndPhyOffset
		}
	}
	return -1
}
