package index

import (
	"slices"
	"testing"

	"github.com/fastmq/fastmq/protocol"
)

func TestTagsCodeOfIsJavaHashOfTags(t *testing.T) {
	f := func(props []byte, want int64) {
		t.Helper()
		if got := TagsCodeOf(props); got != want {
			t.Errorf("TagsCodeOf(%q) = %d, want %d", props, got, want)
		}
	}
	f(protocol.AppendProperty(nil, protocol.PropertyTags, "TagA"), 2598919) // "TagA".hashCode()
	f(nil, 0)
	f(protocol.AppendProperty(nil, protocol.PropertyTags, ""), 0)
	f(protocol.AppendProperty(nil, protocol.PropertyKeys, "TagA"), 0)
	// "polygenelubricants".hashCode() == Integer.MIN_VALUE, sign-extended.
	f(protocol.AppendProperty(nil, protocol.PropertyTags, "polygenelubricants"), -2147483648)
}

func TestNextKeySplitsOnSpaces(t *testing.T) {
	f := func(keys string, want ...string) {
		t.Helper()
		var got []string
		for b := []byte(keys); len(b) > 0; {
			var k []byte
			k, b = nextKey(b)
			if len(k) > 0 {
				got = append(got, string(k))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", keys, got, want)
		}
	}
	f("")
	f("a", "a")
	f("a b", "a", "b")
	f("  a   b ", "a", "b")
	f(" ")
}
