// Package index owns what is derived from the commit log: consume queues
// (20-byte entries per topic and queue), the key index in RocketMQ's
// index-file layout, time lookups, and the dispatcher that tails the commit
// log to build them. Everything here can be rebuilt from the commit log.
package index
