package client

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf16"
)

// naiveJavaLess orders strings by their UTF-16 code units, literally.
func naiveJavaCompare(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// naiveAllocate is the model: sort everything, then give consumer i a
// contiguous run of n/c queues, one more for the first n%c consumers;
// with fewer queues than consumers, consumer i < n gets queue i.
func naiveAllocate(queues []MessageQueue, ids []string, self string) []MessageQueue {
	qs := slices.Clone(queues)
	slices.SortFunc(qs, func(a, b MessageQueue) int {
		if c := naiveJavaCompare(a.Topic, b.Topic); c != 0 {
			return c
		}
		if c := naiveJavaCompare(a.BrokerName, b.BrokerName); c != 0 {
			return c
		}
		return int(a.QueueID - b.QueueID)
	})
	cs := slices.Clone(ids)
	slices.SortFunc(cs, naiveJavaCompare)
	idx := slices.Index(cs, self)
	if idx < 0 {
		return nil
	}
	n, c := len(qs), len(cs)
	start := 0
	for i := 0; i < idx; i++ {
		start += n/c + b2i(i < n%c)
	}
	count := n/c + b2i(idx < n%c)
	return qs[start : start+count]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// randName mixes ASCII, accented, basic-plane and supplementary
// characters so that Java's UTF-16 order and Go's byte order disagree.
func randName(rng *rand.Rand) string {
	alphabet := []rune{'a', 'b', 'Z', '0', '-', '%', 'é', '\uE000', '\uFFFD', '\U0001F600', '\U00010000'}
	n := 1 + rng.IntN(4)
	r := make([]rune, n)
	for i := range r {
		r[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(r)
}

func TestAllocateAveragelyMatchesNaiveModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for iter := 0; iter < 3000; iter++ {
		var queues []MessageQueue
		seen := map[MessageQueue]bool{}
		for range rng.IntN(40) {
			mq := MessageQueue{Topic: "T" + randName(rng)[:1], BrokerName: randName(rng), QueueID: int32(rng.IntN(16))}
			if !seen[mq] {
				seen[mq] = true
				queues = append(queues, mq)
			}
		}
		var ids []string
		idSeen := map[string]bool{}
		for range 1 + rng.IntN(12) {
			id := "10.0.0." + randName(rng) + "@" + fmt.Sprint(rng.IntN(100))
			if !idSeen[id] {
				idSeen[id] = true
				ids = append(ids, id)
			}
		}
		var union []MessageQueue
		for _, self := range ids {
			got := AllocateAveragely(queues, ids, self)
			want := naiveAllocate(queues, ids, self)
			if !slices.Equal(got, want) {
				t.Fatalf("iter %d self %q\nqueues %v\nids %v\ngot  %v\nwant %v", iter, self, queues, ids, got, want)
			}
			union = append(union, got...)
		}
		// Shares are disjoint and together cover every queue.
		if len(union) != len(queues) {
			t.Fatalf("iter %d: %d queues handed out for %d", iter, len(union), len(queues))
		}
		slices.SortFunc(union, compareQueues)
		if len(slices.CompactFunc(union, func(a, b MessageQueue) bool { return a == b })) != len(queues) {
			t.Fatalf("iter %d: a queue went to two consumers", iter)
		}
		if got := AllocateAveragely(queues, ids, "not-a-member"); got != nil {
			t.Fatalf("non-member got %v", got)
		}
	}
}

func TestAllocateAveragelyRocketMQExample(t *testing.T) {
	// storage-and-features.md §8: 8 queues, 3 clients -> [0,1,2] [3,4,5] [6,7].
	var qs []MessageQueue
	for i := 7; i >= 0; i-- { // unsorted on purpose
		qs = append(qs, MessageQueue{Topic: "T", BrokerName: "b", QueueID: int32(i)})
	}
	ids := []string{"c3", "c1", "c2"}
	want := map[string][]int32{"c1": {0, 1, 2}, "c2": {3, 4, 5}, "c3": {6, 7}}
	for id, ws := range want {
		var got []int32
		for _, mq := range AllocateAveragely(qs, ids, id) {
			got = append(got, mq.QueueID)
		}
		if !slices.Equal(got, ws) {
			t.Errorf("%s got %v, want %v", id, got, ws)
		}
	}
	// Fewer queues than consumers: one each for the first, none for the rest.
	two := qs[6:] // queues 1 and 0
	if got := AllocateAveragely(two, ids, "c3"); len(got) != 0 {
		t.Errorf("c3 got %v", got)
	}
	if got := AllocateAveragely(two, ids, "c2"); len(got) != 1 || got[0].QueueID != 1 {
		t.Errorf("c2 got %v", got)
	}
}

func TestCompareJavaMatchesUTF16Order(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for range 20000 {
		a, b := randName(rng), randName(rng)
		if got, want := sign(compareJava(a, b)), sign(naiveJavaCompare(a, b)); got != want {
			t.Fatalf("compareJava(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
	// The case where byte order and Java order differ.
	if compareJava("\U0001F600", "\uE000") >= 0 {
		t.Errorf("a supplementary character must sort before U+E000 in Java order")
	}
}
