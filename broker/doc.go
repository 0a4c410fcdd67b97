// Package broker will own the broker's request processors (send, pull,
// offsets, heartbeats, topics, admin), long polling, consumer groups, delay
// levels, retry and dead letters. Nothing is implemented yet.
package broker
