package client

import (
	"sync/atomic"
	"unsafe"

	"github.com/fastmq/fastmq/protocol"
)

// QueueSelector picks the queue a message goes to. queues is the topic's
// writable queues in a fixed order (broker name, then queue id) and is
// never empty; Select returns an index into it (taken modulo its length).
// A send through a selector makes one attempt: a retry elsewhere would
// break the order a selector exists to keep.
type QueueSelector interface {
	Select(m *Message, queues []MessageQueue) int
}

// SelectorFunc adapts a function to a QueueSelector (a custom selector).
type SelectorFunc func(m *Message, queues []MessageQueue) int

// Select calls f.
func (f SelectorFunc) Select(m *Message, queues []MessageQueue) int { return f(m, queues) }

// RoundRobinSelector returns a selector that walks the queues in turn.
func RoundRobinSelector() QueueSelector { return &roundRobin{} }

type roundRobin struct{ next atomic.Uint32 }

func (r *roundRobin) Select(_ *Message, queues []MessageQueue) int {
	return int((r.next.Add(1) - 1) % uint32(len(queues)))
}

// HashSelector returns a selector for ordered messages: messages with the
// same sharding key (or, without one, the same first key) go to the same
// queue while the topic's queues stay the same. The queue is
// |hash(key) % n| with Java's String.hashCode, as RocketMQ's
// SelectMessageQueueByHash computes it, so Java and Go producers of one
// ordered stream agree.
func HashSelector() QueueSelector { return hashSelector{} }

type hashSelector struct{}

func (hashSelector) Select(m *Message, queues []MessageQueue) int {
	key := m.ShardingKey
	if key == "" && len(m.Keys) > 0 {
		key = m.Keys[0]
	}
	return hashIndex(key, len(queues))
}

func hashIndex(key string, n int) int {
	h := protocol.JavaStringHash(unsafe.Slice(unsafe.StringData(key), len(key)))
	v := int(h) % n
	if v < 0 {
		v = -v
	}
	return v
}

// pickQueue is RocketMQ's default queue choice
// (MQFaultStrategy.selectOneMessageQueue): with fault avoidance, the next
// queue in round-robin order whose broker is available, else a queue of
// the least bad broker; without it, the next queue not on lastBroker.
func pickQueue(tr *topicRoute, ft *faultTolerance, lastBroker string) MessageQueue {
	qs := tr.publish
	n := uint32(len(qs))
	if ft != nil {
		index := tr.sendWhichQueue.Add(1)
		for range qs {
			mq := qs[index%n]
			index++
			if ft.available(mq.BrokerName) {
				return mq
			}
		}
		if notBest := ft.pickOneAtLeast(); notBest != "" {
			if w := tr.writeQueues[notBest]; w > 0 {
				return MessageQueue{Topic: qs[0].Topic, BrokerName: notBest, QueueID: int32(tr.sendWhichQueue.Add(1) % uint32(w))}
			}
			ft.remove(notBest)
		}
		return qs[tr.sendWhichQueue.Add(1)%n]
	}
	if lastBroker != "" {
		for range qs {
			mq := qs[tr.sendWhichQueue.Add(1)%n]
			if mq.BrokerName != lastBroker {
				return mq
			}
		}
	}
	return qs[tr.sendWhichQueue.Add(1)%n]
}
