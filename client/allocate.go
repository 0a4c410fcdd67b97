package client

import (
	"slices"
	"unicode/utf8"
)

// AllocateAveragely is RocketMQ's default queue allocation, AVG
// (J4 client/.../rebalance/AllocateMessageQueueAveragely.java,
// storage-and-features.md §8): every consumer of a group runs it over the
// same inputs and takes its own share, so the shares never overlap and
// together cover every queue. It must match RocketMQ's exactly for our
// consumers and the official ones to share a group.
//
// queues and consumerIDs are sorted first, as RebalanceImpl does, with
// Java's ordering: MessageQueue.compareTo (topic, broker name, queue id)
// and String.compareTo (UTF-16 code units). A consumer not in the list
// gets nothing. The inputs are not modified.
func AllocateAveragely(queues []MessageQueue, consumerIDs []string, self string) []MessageQueue {
	if len(queues) == 0 || len(consumerIDs) == 0 {
		return nil
	}
	mqAll := slices.Clone(queues)
	slices.SortFunc(mqAll, compareQueues)
	cidAll := slices.Clone(consumerIDs)
	slices.SortFunc(cidAll, compareJava)
	index := slices.Index(cidAll, self)
	if index < 0 {
		return nil
	}
	n, c := len(mqAll), len(cidAll)
	mod := n % c
	var avg int
	switch {
	case n <= c:
		avg = 1
	case mod > 0 && index < mod:
		avg = n/c + 1
	default:
		avg = n / c
	}
	start := index*avg + mod
	if mod > 0 && index < mod {
		start = index * avg
	}
	size := min(avg, n-start)
	var out []MessageQueue
	for i := 0; i < size; i++ {
		out = append(out, mqAll[(start+i)%n])
	}
	return out
}

// compareQueues is Java's MessageQueue.compareTo.
func compareQueues(a, b MessageQueue) int {
	if c := compareJava(a.Topic, b.Topic); c != 0 {
		return c
	}
	if c := compareJava(a.BrokerName, b.BrokerName); c != 0 {
		return c
	}
	return int(a.QueueID) - int(b.QueueID)
}

// compareJava orders strings as Java's String.compareTo does: by UTF-16
// code units. It differs from Go's byte order only where a character above
// U+FFFF (a surrogate pair, 0xD800–0xDFFF) meets one in U+E000–U+FFFF.
// Invalid UTF-8 bytes count as U+FFFD, as Java's decoder makes them.
func compareJava(a, b string) int {
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			if ua, ub := firstUTF16Unit(ra), firstUTF16Unit(rb); ua != ub {
				return ua - ub
			}
			return int(ra - rb) // same high surrogate: low surrogates order as the runes
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// firstUTF16Unit returns the first UTF-16 code unit of r: r itself in
// the basic plane, else its high surrogate.
func firstUTF16Unit(r rune) int {
	if r < 0x10000 {
		return int(r)
	}
	return 0xD800 + int(r-0x10000)>>10
}
