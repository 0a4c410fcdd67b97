// Package idxfile is RocketMQ's index-file format (store/index/IndexFile.java)
// over a plain byte region: the 40-byte header, the hash-slot table and the
// chained 20-byte entries. It knows nothing about files or mapping; package
// index hands it the mapped bytes of one index file.
//
// Layout (all integers big-endian; the format must never change, RocketMQ
// tools read it):
//
//	offset                       size  field
//	0                            8     beginTimestamp (ms, store time of the first entry)
//	8                            8     endTimestamp   (ms, store time of the last entry)
//	16                           8     beginPhyOffset (commit-log offset of the first entry)
//	24                           8     endPhyOffset   (commit-log offset of the last entry)
//	32                           4     hashSlotCount  (slots that are not empty)
//	36                           4     indexCount     (next entry number; starts at 1)
//	40                           4*S   slot table: slot s holds the number of the newest
//	                                   entry whose keyHash%S == s, 0 = empty
//	40+4*S                       20*N  entries; entry n at 40+4*S+20*n, entry 0 never used:
//	  +0   4  keyHash   abs(Java String.hashCode of topic+"#"+key), 0 if abs overflows
//	  +4   8  phyOffset commit-log offset of the message
//	  +12  4  timeDiff  seconds between the message's store time and beginTimestamp,
//	                    clamped to [0, MaxInt32]
//	  +16  4  prevIndex previous (older) entry in the same slot, 0 = end of chain
//
// S (slots) and N (entries) default to 5,000,000 and 20,000,000, giving a
// 420,000,040-byte file. Chains run newest to oldest (head insertion), so a
// chain's entry numbers strictly decrease; readers stop at the first number
// that does not, which keeps a corrupt file from looping.
//
// A File reads and writes through a Region (pread/pwrite on the file, or
// Mem). One writer at a time; Lookup reads only the region and may run
// beside the writer. The writer publishes its header with WriteHeader, so a
// reader sees whole batches of Puts.
package idxfile
