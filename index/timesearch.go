package index

// Boundary picks which side of a time a lookup by time returns
// (RocketMQ BoundaryType).
type Boundary int

const (
	// BoundaryLower asks for the first entry stored at or after the time.
	BoundaryLower Boundary = iota
	// BoundaryUpper asks for the last entry stored at or before the time.
	BoundaryUpper
)

// searchTime binary-searches the queue slots [lo, hi), whose store times
// (from timeAt) do not decrease, for ts. BoundaryLower returns the first
// slot with time >= ts, or hi when there is none; BoundaryUpper returns the
// last slot with time <= ts, or lo when there is none. timeAt reports a slot
// whose message is gone (below the commit log's minimum) as the smallest
// time. The first error from timeAt ends the search.
func searchTime(lo, hi, ts int64, b Boundary, timeAt func(cqIndex int64) (int64, error)) (int64, error) {
	// first slot in [lo, hi) for which after(slot) holds; after is monotone.
	after := func(t int64) bool { return t >= ts }
	if b == BoundaryUpper {
		after = func(t int64) bool { return t > ts }
	}
	l, h := lo, hi
	for l < h {
		mid := l + (h-l)/2
		t, err := timeAt(mid)
		if err != nil {
			return 0, err
		}
		if after(t) {
			h = mid
		} else {
			l = mid + 1
		}
	}
	if b == BoundaryUpper {
		return max(l-1, lo), nil
	}
	return l, nil
}
