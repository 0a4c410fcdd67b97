package idxfile

import (
	"math"
	"testing"
)

// Expected values are Java's String.hashCode, computed over UTF-16 code
// units (java.lang.String.hashCode); "polygenelubricants" is the well-known
// string whose hash is Integer.MIN_VALUE.
func TestJavaHashMatchesJavaStringHashCode(t *testing.T) {
	f := func(s string, want int32) {
		t.Helper()
		if got := JavaHash(0, []byte(s)); got != want {
			t.Errorf("JavaHash(%q) = %d, want %d", s, got, want)
		}
	}
	f("", 0)
	f("TagA", 2598919)
	f("polygenelubricants", math.MinInt32)
	f("TopicTest#KEY1", -1656969516)
	f("TopicTest#order-1001", 1043804929)
	f("é", 233)
	f("日本", 835047)
	f("😀", 1772899) // surrogate pair D83D DE00
}

func TestJavaHashContinues(t *testing.T) {
	whole := JavaHash(0, []byte("TopicTest#KEY1"))
	if got := JavaHash(JavaHash(0, []byte("TopicTest#")), []byte("KEY1")); got != whole {
		t.Fatalf("continued hash %d, whole %d", got, whole)
	}
}

func TestKeyHashIsAbsOfTopicHashKey(t *testing.T) {
	f := func(topic, key string, want int32) {
		t.Helper()
		if got := KeyHash([]byte(topic), []byte(key)); got != want {
			t.Errorf("KeyHash(%q, %q) = %d, want %d", topic, key, got, want)
		}
	}
	f("TopicTest", "KEY1", 1656969516) // abs(-1656969516)
	f("TopicTest", "order-1001", 1043804929)
	f("a", "b", 94400)
	f("%RETRY%group", "7F0000010001", 1104087991)
}

func TestAbsHashOverflowIsZero(t *testing.T) {
	if got := absHash(math.MinInt32); got != 0 {
		t.Fatalf("absHash(MinInt32) = %d, want 0", got)
	}
	if got := absHash(-5); got != 5 {
		t.Fatalf("absHash(-5) = %d", got)
	}
}

func TestKeyHashAllocatesNothing(t *testing.T) {
	topic, key := []byte("TopicTest"), []byte("order-1001")
	if n := testing.AllocsPerRun(100, func() { KeyHash(topic, key) }); n != 0 {
		t.Fatalf("KeyHash allocates %v times", n)
	}
}
