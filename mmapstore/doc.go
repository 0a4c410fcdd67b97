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
//     ErrClosed, ...; *IOError (sticky write/sync failures), *CorruptionError.
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
// (from the log's topic-queue table) and the store timestamp; the record is
// encoded into a reused buffer and written with one pwrite (or, with
// WriteWithMmap, encoded straight into the mapping); publish advances the
// write offset and releases the lock. Nothing is allocated per message.
// Readers always read through the mapping, which sees pwrite's bytes
// because both go through the same page cache.
//
// The next segment is created by the preparer goroutine as soon as the
// appender enters a segment: fallocated (async flush), or zero-filled in
// 1 MiB chunks each followed by fdatasync and then pre-faulted (sync flush
// and WriteWithMmap). Zero-filling makes the later fdatasyncs overwrite
// already-allocated blocks, 1.6-2.2x cheaper than appending on this
// machine, and is required for WriteWithMmap, where a store into an
// unallocated block faults for 28-35 ms or raises SIGBUS on a full disk. An
// append waits on file creation only when the preparer is behind
// (Stats.RollWaits, Stats.InlineSegments).
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
// kept, every later Append returns it, pending completions get it, and
// Close keeps the abort marker so the next Open recovers.
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
// equals the recovered end. Records before the safe point were synced and
// checkpointed earlier and are not re-read. The checkpoint is written every
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
//	SegmentQueue.flushMu → SegmentQueue.mu
//	groupCommit.mu, Checkpoint.writeMu: leaves; nothing is taken under them
//
// flushTo takes CommitLog.mu only to read the write offset and releases it
// before taking flushMu. Readers take no lock: the segment list is an
// atomically swapped copy-on-write slice and segments are reference counted.
// Locks held across I/O, on purpose: flushMu serializes the syncs (appenders
// never take it); the append lock covers the pwrite of one record (the
// page-cache copy that orders records) and, when the preparer is behind,
// the creation of the next segment.
//
// # pwrite or mmap for appends
//
// Both are implemented (Config.WriteWithMmap) and compared by
// BenchmarkCommitLogAppendAsync and BenchmarkCommitLogAppendSync. On this
// 2-vCPU VM, shared with other jobs (ranges over runs; commands in the
// benchmark file's comments):
//
//   - sync flush, one appender: pwrite 27-37 µs p50 to durable, mmap
//     164 µs. An fdatasync after stores through a shared mapping must find
//     and write-protect the dirty PTEs (page_mkclean) and every next store
//     to those pages takes a write fault again; after pwrite it only writes
//     back page-cache pages.
//   - async, 1 KiB: pwrite 0.54-0.97 M msgs/s with no roll stalls; mmap
//     0.70-0.85 M msgs/s with roll stalls and a worse maximum, because a
//     mapping must be zero-filled first, which doubles the bytes written and
//     lets the appender outrun the preparer. mmap's per-call p99.9 is lower
//     (a memcpy against a syscall).
//
// So appends use pwrite from a reused buffer and reads stay zero-copy
// through the mapping; the better p99.9 under sync flush decides it.
// Consume queues (SegmentQueue's default) write 20-byte entries through the
// mapping, where a syscall per entry would cost more than it saves.
package mmapstore
