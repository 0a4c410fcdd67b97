package index

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fastmq/fastmq/index/internal/idxfile"
)

// putMessage indexes one message under its unique key and each of its
// keys (RocketMQ IndexService.buildIndex). A message below the newest
// file's end was indexed before and is skipped; the message at the end is
// checked key by key. Writer only; no allocation unless a file rolls.
func (k *keyIndex) putMessage(topic, uniqKey, keys []byte, phyOffset, storeTimestamp int64) error {
	kf, err := k.active()
	if err != nil {
		return err
	}
	h := kf.idx.Header()
	if phyOffset < h.EndPhyOffset {
		return nil
	}
	recheck := phyOffset == h.EndPhyOffset
	if len(uniqKey) > 0 {
		if err := k.putKey(topic, uniqKey, phyOffset, storeTimestamp, recheck); err != nil {
			return err
		}
	}
	for len(keys) > 0 {
		key, rest := nextKey(keys)
		keys = rest
		if len(key) == 0 {
			continue
		}
		if err := k.putKey(topic, key, phyOffset, storeTimestamp, recheck); err != nil {
			return err
		}
	}
	return nil
}

// nextKey splits the first space-separated key off keys.
func nextKey(keys []byte) (key, rest []byte) {
	for i, c := range keys {
		if c == ' ' {
			return keys[:i], keys[i+1:]
		}
	}
	return keys, nil
}

// maxBufferedEntryBytes bounds the entries buffered between two publishes.
const maxBufferedEntryBytes = 1 << 20

// putKey adds one key, rolling to a new file when the active one is full.
func (k *keyIndex) putKey(topic, key []byte, phyOffset, storeTimestamp int64, recheck bool) error {
	hash := idxfile.KeyHash(topic, key)
	kf, err := k.active()
	if err != nil {
		return err
	}
	if recheck {
		if has, err := k.has(kf, hash, phyOffset); err != nil || has {
			return err
		}
	}
	ok, err := kf.idx.Put(hash, phyOffset, storeTimestamp)
	if err == nil && ok && kf.idx.Buffered() >= maxBufferedEntryBytes {
		err = kf.publish() // a batch of messages with very many keys
	}
	if err != nil || ok {
		return err
	}
	if kf, err = k.active(); err != nil { // rolls: the file is full
		return err
	}
	_, err = kf.idx.Put(hash, phyOffset, storeTimestamp)
	return err
}

// has reports whether the message at phyOffset already has an entry for
// hash in the active file or, when that file starts at phyOffset (the
// message straddled a roll), in the one before it.
func (k *keyIndex) has(kf *keyFile, hash int32, phyOffset int64) (bool, error) {
	if has, err := kf.idx.Has(hash, phyOffset); err != nil || has {
		return has, err
	}
	n := len(k.files)
	if n < 2 || k.files[n-1] != kf || k.files[n-2].idx.Header().EndPhyOffset != phyOffset {
		return false, nil
	}
	return k.files[n-2].idx.Has(hash, phyOffset)
}

// active returns the file being written, with its writer cache on,
// creating the first one.
func (k *keyIndex) active() (*keyFile, error) {
	if n := len(k.files); n > 0 && !k.files[n-1].idx.Full() {
		kf := k.files[n-1]
		if err := kf.idx.Cache(); err != nil {
			return nil, fmt.Errorf("index: %s: %w", kf.path, err)
		}
		return kf, nil
	}
	kf, err := k.roll()
	if err != nil {
		return nil, err
	}
	if err := kf.idx.Cache(); err != nil {
		return nil, fmt.Errorf("index: %s: %w", kf.path, err)
	}
	return kf, nil
}

// roll starts a new file where the last one ended. The full one is first
// published, its slots written and synced (so that whenever a newer file
// exists, the older ones are complete on disk and recovery need only
// rebuild the newest), and reported through onFull (RocketMQ then records
// its end time in the checkpoint). Writer only.
func (k *keyIndex) roll() (*keyFile, error) {
	var prevPhy, prevTs int64
	if n := len(k.files); n > 0 {
		full := k.files[n-1]
		if err := k.seal(full); err != nil {
			return nil, err
		}
		h := full.idx.Header()
		prevPhy, prevTs = h.EndPhyOffset, h.EndTimestamp
	}
	kf, err := k.create(prevPhy, prevTs)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.files = append(k.files, kf)
	k.mu.Unlock()
	return kf, nil
}

// seal publishes a full file, writes its slot table, syncs it and reports
// it through onFull.
func (k *keyIndex) seal(full *keyFile) error {
	if err := full.publish(); err != nil {
		return err
	}
	if err := full.idx.Uncache(); err != nil {
		return err
	}
	if err := full.f.Sync(); err != nil {
		return fmt.Errorf("index: sync %s: %w", full.path, err)
	}
	if k.onFull != nil {
		k.onFull(full.idx.Header().EndTimestamp)
	}
	return nil
}

// create makes a new, sparse, zero-filled index file named by the current
// time (yyyyMMddHHmmssSSS, local time, as RocketMQ names them), moving the
// name on by a millisecond while it is taken. The file is sized and given
// its header under a temporary name and then renamed, so a crash never
// leaves a listed file of the wrong size.
func (k *keyIndex) create(prevPhy, prevTs int64) (*keyFile, error) {
	t := k.now()
	for range 1000 {
		path := filepath.Join(k.dir, indexFileName(t))
		if _, err := os.Lstat(path); err == nil {
			t = t.Add(time.Millisecond)
			continue
		}
		return k.createAt(path, prevPhy, prevTs)
	}
	return nil, fmt.Errorf("index: no free index file name near %s", indexFileName(k.now()))
}

// tmpSuffix marks an index file being created.
const tmpSuffix = ".tmp"

// createAt creates path via path+tmpSuffix.
func (k *keyIndex) createAt(path string, prevPhy, prevTs int64) (*keyFile, error) {
	tmp := path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	idx, err := k.format(f, prevPhy, prevTs)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("index: create %s: %w", path, err)
	}
	kf := &keyFile{path: path, f: f, idx: idx}
	kf.setPublished(idx.Header())
	return kf, nil
}

// format sizes a new file and writes its header.
func (k *keyIndex) format(f *os.File, prevPhy, prevTs int64) (*idxfile.File, error) {
	if err := f.Truncate(idxfile.Size(k.slots, k.entries)); err != nil {
		return nil, err
	}
	return idxfile.New(f, k.slots, k.entries, prevPhy, prevTs)
}

// indexFileName formats t as yyyyMMddHHmmssSSS.
func indexFileName(t time.Time) string {
	s := t.Format("20060102150405.000")
	return s[:14] + s[15:]
}

// publish makes the active file's header visible to queries; the
// dispatcher calls it once per batch.
func (k *keyIndex) publish() error {
	if n := len(k.files); n > 0 {
		return k.files[n-1].publish()
	}
	return nil
}

// deleteBefore removes files, oldest first and never the newest, whose
// EndPhyOffset is below logMin (RocketMQ IndexService.deleteExpiredFile).
// Writer only. A query still reading a removed file gets no more hits from
// it.
func (k *keyIndex) deleteBefore(logMin int64) (int, error) {
	k.mu.Lock()
	n := 0
	for n < len(k.files)-1 && k.files[n].idx.Header().EndPhyOffset < logMin {
		n++
	}
	gone := slices.Clone(k.files[:n])
	k.files = slices.Clone(k.files[n:])
	k.mu.Unlock()
	var first error
	for _, kf := range gone {
		kf.f.Close()
		if err := os.Remove(kf.path); err != nil && first == nil {
			first = err
		}
	}
	return n, first
}

// flushSlots writes the active file's changed slot pages (the flusher
// asks for it every FlushInterval). Writer only.
func (k *keyIndex) flushSlots() error {
	if n := len(k.files); n > 0 {
		kf := k.files[n-1]
		if err := kf.idx.FlushSlots(); err != nil {
			return err
		}
		kf.setPublished(kf.idx.Header())
	}
	return nil
}

// close publishes, writes and syncs the active file and closes every file.
func (k *keyIndex) close() error {
	var first error
	if n := len(k.files); n > 0 {
		last := k.files[n-1]
		if err := last.publish(); err != nil {
			first = err
		}
		if err := last.idx.Uncache(); err != nil && first == nil {
			first = err
		}
		if err := last.f.Sync(); err != nil && first == nil {
			first = err
		}
	}
	k.mu.Lock()
	files := k.files
	k.files = nil
	k.mu.Unlock()
	for _, kf := range files {
		kf.f.Close()
	}
	return first
}
