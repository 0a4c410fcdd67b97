// Package mmapstore owns the commit log: fixed-size segment files mapped
// with mmap, append of single messages and batches in RocketMQ's
// stored-message layout, group commit and async flush, recovery after a
// crash, retention, and reference-counted zero-copy read views.
//
// It is the only package that maps files or calls madvise. It imports
// protocol for the stored-message layout only, in one file (record.go).
//
// # Exported API
//
//   - SegmentQueue (OpenSegmentQueue): a directory of fixed-size segments
//     addressed by a byte offset that runs on across them; Append, View,
//     Flush, Truncate, DeleteBefore. Used by the commit log and by the index
//     package's consume queues (20-byte entries).
//   - View: a reference-counted read-only slice of a mapping; Bytes() is
//     valid until Release().
//   - CommitLog (Open): Append / AppendBatch with a Done completion, Read,
//     NewScanner, ConfirmedOffset / ConfirmedSignal for the dispatcher,
//     Checkpoint, Recovery, Stats, DeleteExpired, Close.
//   - Errors: ErrFlushTimeout (RocketMQ FLUSH_DISK_TIMEOUT), ErrMessageTooLarge,
//     ErrQueueID, ErrClosed, ...; *IOError (sticky write/sync failures),
//     *CorruptionError.
//
// # On disk
//
//	<StorePathRootDir>/
//	  commitlog/00000000000000000000    segment files, named by their start
//	  commitlog/00000000001073741824    offset in 20 zero-padded digits, all
//	  ...                               exactly MappedFileSizeCommitLog bytes
//	  checkpoint                        4096 bytes, see Checkpoint
//	  abort                             exists while the log is open (holds the pid)
//
// A segment holds stored-message records back to back (layout in
// protocol/message.go, RocketMQ MessageDecoder):
//
//	+-----------+-------+-----+-------------------+----------------------+
//	| TOTALSIZE | MAGIC | CRC | ... 84 bytes ...  | body, topic, props   |  record 1
//	+-----------+-------+-----+-------------------+----------------------+
//	| record 2 ...                                                       |
//	+-----------+--------------+-----------------------------------------+
//	| rest (4)  | 0xCBD43194   | (not part of any record) ...   seg end  |  blank
//	+-----------+--------------+-----------------------------------------+
//
// A record is placed in a segment only if it leaves at least 8 bytes after
// it; otherwise an 8-byte blank header (TOTALSIZE = bytes to the segment end,
// MAGIC = MagicBlank) fills the tail and the record starts the next segment,
// exactly as RocketMQ does, so a pull can hand stored bytes to a RocketMQ
// client unchanged. A batch is never split across segments. Every record's
// PHYSICALOFFSET field equals its own offset, which recovery uses to tell a
// real record from stale or random bytes.
//
// # Write path
//
// Append validates and computes the body CRC outside any lock, then
// reserve takes the append lock (CommitLog.mu), writes a blank and rolls to
// the next segment if needed, assigns the physical offset, the queue offset
// (from the log's topic-queue table) and the store timestamp, and the record
// is encoded:
//
//   - sync flush: into the write buffer (writebuf.go). The flusher swaps the
//     buffer out before each group-commit sync and writes it with one pwrite
//     per segment it spans, so an append makes no syscall and the append
//     lock never covers I/O. A record becomes visible (MaxOffset, Read) once
//     written, durable (ConfirmedOffset) once synced.
//   - async flush: into the same write buffer, written by Append itself
//     before it returns (one pwrite per segment spanned, outside the append
//     lock, together with any deferred records before it). AppendDeferred
//     leaves its record buffered until WritePending (an event loop calls it
//     once per batch of requests, before writing the batch's replies), the
//     next Append, a flush, or 256 KiB buffered: one pwrite per batch
//     instead of one per message. A record is visible, and confirmed, once
//     written.
//   - WriteWithMmap: straight into the mapping.
//
// Nothing is allocated per message. Readers always read through the
// mapping, which sees pwrite's bytes: both are the same page cache.
//
// The next segment is created by the preparer goroutine as soon as the
// appender enters a segment: fallocated (blocks reserved, so a full disk
// fails there, not in an append), or, with WarmMapedFileEnable or
// WriteWithMmap, zero-filled in 1 MiB chunks each followed by fdatasync and
// then pre-faulted. A mapping written by stores must be zero-filled: a
// store into an unallocated block faults for 28-35 ms or raises SIGBUS on a
// full disk. An append waits on file creation only when the preparer is
// behind (Stats.RollWaits, Stats.InlineSegments).
//
// # Flush and completion
//
// Async flush: a flusher syncs every FlushIntervalCommitLog when at least
// FlushCommitLogLeastPages pages are dirty, when a segment filled up, or
// every FlushCommitLogThoroughInterval; Done is called before Append
// returns and ConfirmedOffset is the written offset.
//
// Sync flush is group commit. After publishing, an appender queues its
// completion (end offset, deadline, Done) on a mutex-guarded slice and
// signals the flusher through a capacity-1 channel. The flusher takes
// everything queued, fdatasyncs once up to the current write offset (which
// covers every queued append, and also those that arrived while the previous
// sync ran), and calls every Done with no lock held. ConfirmedOffset is the
// flushed offset. A watchdog completes a batch whose sync has outlived
// SyncFlushTimeout with ErrFlushTimeout (RocketMQ FLUSH_DISK_TIMEOUT; the
// record is stored, only its durability is unknown), and the flusher then
// skips that batch. No goroutine is parked per request: Done runs on the
// flusher, and a network layer answers from it.
//
// Errors are sticky: the first failed write, sync or segment creation is
// kept, every later Append and Flush returns it (no second fdatasync: the
// kernel may have dropped the pages the failed one was writing, so the
// flushed offset and the checkpoint never move past a failed sync), pending
// completions get it, and Close keeps the abort marker so the next Open
// recovers.
//
// # Recovery
//
// Open reads the abort marker (absent = clean stop) and the checkpoint, then
// scans from the start of the segment holding the checkpoint's flushed
// offset (masterFlushedOffset) to the end, checking magic, size, field
// lengths, PHYSICALOFFSET and body CRC of every record and re-filling the
// queue-offset table. At the first record that fails it searches the rest of
// the log for a valid record (by magic, then full validation):
//
//   - none: a torn tail; the log is truncated there, the garbage is zeroed
//     and the event logged (RecoveryReport.TornAt).
//   - one, and the bad record lies below the checkpoint's flushed offset:
//     synced data was damaged; Open fails with *CorruptionError and changes
//     nothing.
//   - one, beyond the flushed offset: writes never confirmed durable reached
//     the disk out of order; truncated and reported (DiscardedFrom).
//
// Then everything from the scan start is fdatasynced, so the flushed offset
// equals the recovered end, and the checkpoint is rewritten with it (when
// the disk lost synced data the old one claims more than the log holds).
// Records before the safe point were synced and checkpointed earlier and
// are not re-read. A segment file past a gap whose first bytes are zero is
// one the preparer made before recovery cut the log back: Open deletes it;
// any other gap fails with ErrSegmentGap. The checkpoint is written every
// CheckpointInterval and at Close, only ever with an offset already synced.
//
// # Retention
//
// Every CleanResourceInterval, when the hour is in DeleteWhen or the disk is
// fuller than DiskMaxUsedSpaceRatio, the oldest segments whose file is older
// than FileReservedTime are deleted one at a time, DeleteCommitLogFilesInterval
// apart, at most DeleteFileBatchMax per run, never the segment being written,
// stopping at the first kept one; past DiskSpaceCleanForciblyRatio unexpired
// ones go too. Deleting unlists the segment, unlinks the file and syncs the
// directory; the mapping is removed only when the last View of it is
// released, so a reader never sees its bytes vanish.
//
// # Goroutines
//
// A CommitLog owns: the flusher (group commit or async), the sync-flush
// watchdog (sync flush only), the checkpoint writer, the retention loop and
// its SegmentQueue's preparer. Open starts them; Close stops and awaits
// them. Each runs under a pprof label "mmapstore".
//
// # Lock order
//
//	CommitLog.mu (append lock) → SegmentQueue.mu (segment list)
//	CommitLog.mu → preparer.ready (the appender may wait for the segment being prepared)
//	SegmentQueue.flushMu → CommitLog.commitMu → CommitLog.mu (commitPending swaps the write buffer)
//	SegmentQueue.flushMu → SegmentQueue.mu
//	groupCommit.mu, Checkpoint.writeMu: leaves; nothing is taken under them
//
// Nothing holding CommitLog.mu takes flushMu. Readers take no lock: the
// segment list is an atomically swapped copy-on-write slice and segments
// are reference counted. Locks held across I/O, on purpose: flushMu
// serializes syncs (appenders never take it); commitMu serializes buffer
// writes, so that a record becomes visible only after every record before it
// is written; the append lock covers, when the preparer is behind, the
// creation of the next segment.
//
// # pwrite or mmap for appends, fallocate or pre-write for segments
//
// Both write modes are implemented (Config.WriteWithMmap) and compared by
// BenchmarkCommitLogAppendAsync and BenchmarkCommitLogAppendSync (run:
// go test -run '^$' -bench 'CommitLog|Raw' -benchtime 2s ./mmapstore/). On
// this 2-vCPU VM, shared with other jobs, 1 KiB records, 128 MiB segments
// (ranges over runs):
//
//   - sync flush, one appender, p50 to durable: pwrite 27-37 µs, mmap
//     164 µs. An fdatasync after stores through a shared mapping must find
//     and write-protect the dirty PTEs (page_mkclean), and the next store to
//     each page takes a write fault again; after pwrite it only writes back
//     page-cache pages. With 128 appenders mmap reached 168-257 k msgs/s with
//     durable p99.9 of 31-46 ms; pwrite (buffered) 0.54-0.87 M msgs/s.
//   - async: pwrite 0.54-0.97 M msgs/s, max call 5-85 ms, no roll stalls;
//     mmap 0.70-0.85 M msgs/s, max call 150-360 ms with 18-43 stalled rolls,
//     because a mapping must be zero-filled before use, which doubles the
//     bytes written and lets the appender outrun the preparer. mmap's
//     per-call p99.9 is lower (a memcpy against a syscall): 5.9 µs against
//     10-12 µs.
//
// So appends use pwrite and reads stay zero-copy through the mapping: the
// better p99.9 append-to-durable latency decides it, as the issue asked.
//
// Pre-writing segments (zero-fill + sync) makes a single fdatasync over the
// written blocks cheaper (raw batch=1: p99 47 µs against 172 µs fallocated),
// but the preparer's own writes then compete with the group commit: with 128
// appenders the log did 456-516 k msgs/s, durable p99 1.2-4 ms, p99.9
// 18-22 ms pre-written, against 684-869 k msgs/s, p99 188-344 µs, p99.9
// 0.4-4.7 ms fallocated. So segments are fallocated unless
// WarmMapedFileEnable is set. Consume queues (SegmentQueue's default) write
// 20-byte entries through zero-filled mappings, where a syscall per entry
// would cost more than it saves.
package mmapstore
