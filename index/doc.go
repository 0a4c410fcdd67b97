// Package index owns what is derived from the commit log: consume queues
// (20-byte entries per topic and queue), the key index in RocketMQ's
// index-file layout, time lookups, and the dispatcher that tails the commit
// log to build them. Everything here can be rebuilt from the commit log.
//
// # Exports and callers
//
// The broker opens one Store per commit log, after mmapstore.Open:
//
//	s, err := index.Open(index.Config{Dir: root, Log: log, Arrived: wakePullers, TagsCode: scheduleTags})
//	q := s.Queue(topic, queueID)          // nil until the queue's first message
//	q.MinOffset(), q.MaxOffset()          // consume-queue offsets (cqIndex)
//	q.ReadEntries(dst, cqIndex, 32)       // entries for a pull; dst is the caller's
//	q.OffsetByTime(ts, index.BoundaryLower)
//	s.QueryKey(dst, topic, key, t1, t2, 32)
//	s.Truncate(offset)                    // after cutting the log at runtime (HA)
//	s.Close()                             // before log.Close()
//
// Entry, AppendEntry, DecodeEntry and TagsCodeOf are the entry codec and
// RocketMQ's default tags code.
//
// # Consume-queue format
//
// Directory Dir/consumequeue/<topic>/<queueId>/, segments named by the
// 20-digit byte offset of their first entry in the queue. Entry n (the
// consume-queue offset, cqIndex) is at byte n*20. Big-endian; this format
// must never change:
//
//	0   8  phyOffset  commit-log offset of the record
//	8   4  size       the record's TOTALSIZE
//	12  8  tagsCode   Java String.hashCode of TAGS (sign-extended), 0 without
//	                  tags; whatever Config.TagsCode returns (the broker puts
//	                  the delivery time of SCHEDULE_TOPIC_XXXX entries here)
//
// An entry is valid when phyOffset >= 0 and size > 0; a zeroed one ends the
// queue. A queue whose first entry is not 0 starts with filler entries
// (0, MaxInt32, 0) from its segment's start (RocketMQ fillPreBlank).
//
// Segment size: RocketMQ's 6,000,000 bytes (300,000 entries) by default;
// Config.SegmentBytes must be a multiple of 20 so an entry never straddles
// two segments. File names are the entries' byte offsets, as RocketMQ's.
//
// # Index-file format
//
// Directory Dir/index/, files named by creation time yyyyMMddHHmmssSSS
// (local time), laid out as RocketMQ's IndexFile (see internal/idxfile for
// the byte offsets): a 40-byte header (begin/end timestamp, begin/end
// commit-log offset, used-slot count, index count starting at 1), a table of
// IndexSlots 4-byte slots, then IndexEntries 20-byte entries (keyHash,
// phyOffset, timeDiff in seconds, prevIndex). The key is topic + "#" + key,
// hashed as abs(Java hash); a message gets an entry for its UNIQ_KEY and
// for every non-empty space-separated KEYS value. A file is full at
// IndexEntries-1 entries; the next starts where it ended. The full one is
// sealed first (published, slot table written, synced; RocketMQ syncs index
// files only when full and at shutdown), so only the newest file can be
// incomplete after a crash. A new file is sized and headed under a
// temporary name and renamed into place.
//
// Index files are read and written with pread and pwrite rather than
// mapped: mmapstore maps only offset-named segments and hands out
// read-only views, while an index file is named by time and updated in
// place. To keep that cheap the dispatcher keeps the newest file's slot
// table in memory twice (its own and a published copy that queries read
// atomically; 8 bytes per slot, 40 MB at the default) and buffers its
// entries. At the end of each batch it writes the entries (one pwrite) and
// the header, then publishes the changed slots in memory; the changed slot
// pages reach the file every FlushInterval, when the file is full and at
// Close. After an unclean stop the newest file's slot table is therefore
// rebuilt from its entries (every entry below the header's count was
// written before the header). Older files are read with pread alone.
//
// # Dispatch
//
// One goroutine (dispatchLoop) scans the commit log from its reput offset
// to mmapstore's ConfirmedOffset with a Scanner, and for each record:
// decodes it in place; for transaction types NOT and COMMIT appends the
// consume-queue entry (idempotent: a record ending at or below the queue's
// newest entry is ignored, so re-dispatch is harmless); for every type but
// ROLLBACK adds the index entries (idempotent: below the index's end offset
// nothing is added, at it each key is checked). After every batch of
// Config.BatchRecords records (or the end of what is confirmed) it
// publishes the index header and calls Config.Arrived once for every queue
// that grew, with no lock held: the long-polling hook. It then waits on the
// log's ConfirmedSignal, a request, or Close: there is no timer. The steady
// path allocates nothing (queue lookup by topic bytes, reused buffers).
//
// # Recovery (Open)
//
// Consume queues: each queue keeps its entries from the third-from-last
// segment up to the first invalid entry or the first whose record ends
// past the commit log's end; older segments are cut by binary search; the
// rest is truncated (RocketMQ ConsumeQueue.recover + truncateDirtyLogicFiles).
// So no entry points past the log's valid end. Index: after an unclean
// stop the newest file's slot table is rebuilt from its entries; entries at
// or past the log end are undone newest first. Re-dispatch starts at the newest entry's end in
// any consume queue, moved back to the newest index entry if that is
// older, and after an unclean stop (mmapstore found the abort marker) to
// the commit-log segment stored at or before the checkpoint's minimum time
// (RocketMQ recoverAbnormally); it runs to the confirmed offset before Open
// returns, and then every queue's max offset is pushed into the log's
// queue-offset table. Nothing is persisted beyond RocketMQ's files; the
// flusher writes the checkpoint's logicsMsgTimestamp after syncing the
// queues, and a full index file's end time goes to indexMsgTimestamp.
//
// # Goroutines and locks
//
// Store owns dispatchLoop (the only writer of queues and index files;
// DeleteBefore and Truncate run on it as requests) and flushLoop (syncs the
// queues every FlushInterval, RocketMQ flushIntervalConsumeQueue, and asks
// for DeleteBefore when the log's minimum offset rose, and for the index
// slot pages to be written, both on the dispatcher). Both start in
// Open and are stopped and awaited by Close, which then dispatches what the
// log confirmed meanwhile and closes the files.
//
// Locks, never nested and never held across I/O or a callback:
// Store.mu (the topic → queue map), keyIndex.mu (the index file list),
// keyFile.pub (a file's published header). Readers of queues take no lock:
// a queue's max offset is an atomic published after its entry is written,
// and segments are reference-counted by mmapstore. Queries read the newest
// index file's published slot table with atomic loads.
//
// # Slices
//
// Entries returned by ReadEntries are copies in the caller's dst. The
// *protocol.StoredMessage given to Config.TagsCode aliases the mapped log
// and is valid only during the call. KeyQuery.PhyOffsets is the caller's dst.
package index
