package index

import (
	"errors"
	"os"
	"slices"

	"github.com/fastmq/fastmq/index/internal/idxfile"
)

// KeyQuery is the answer to a key lookup (RocketMQ QueryOffsetResult).
type KeyQuery struct {
	// PhyOffsets are commit-log offsets of messages whose topic#key hash
	// matches, newest first. Matching is by hash: the caller reads each
	// message and compares its keys.
	PhyOffsets []int64
	// LastUpdateTimestamp and LastUpdatePhyOffset are the newest index
	// file's end time and end offset (indexLastUpdateTimestamp /
	// indexLastUpdatePhyoffset in the QUERY_MESSAGE response).
	LastUpdateTimestamp, LastUpdatePhyOffset int64
}

// query looks key up for topic in [begin, end] (ms), newest file first,
// appending at most max offsets to dst (RocketMQ IndexService.queryOffset).
func (k *keyIndex) query(dst []int64, topic, key []byte, begin, end int64, max int) (KeyQuery, error) {
	k.mu.RLock()
	files := slices.Clone(k.files)
	k.mu.RUnlock()
	res := KeyQuery{PhyOffsets: dst}
	hash := idxfile.KeyHash(topic, key)
	for i := len(files) - 1; i >= 0 && len(res.PhyOffsets) < max; i-- {
		h := files[i].published()
		if i == len(files)-1 {
			res.LastUpdateTimestamp, res.LastUpdatePhyOffset = h.EndTimestamp, h.EndPhyOffset
		}
		if h.TimeMatches(begin, end) {
			var err error
			res.PhyOffsets, err = files[i].idx.Lookup(res.PhyOffsets, hash, begin, end, max)
			if err != nil && !errors.Is(err, os.ErrClosed) {
				return res, err
			}
		}
		if h.BeginTimestamp < begin {
			break
		}
	}
	return res, nil
}
