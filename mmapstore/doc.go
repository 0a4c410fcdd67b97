// Package mmapstore owns the commit log: fixed-size segments mapped with
// mmap, append of single messages and batches in RocketMQ's stored-message
// layout, group commit and async flush, recovery after a crash, retention,
// and reference-counted zero-copy read slices.
//
// It is the only package that maps files or calls madvise. It imports
// protocol for the stored-message layout only.
package mmapstore
