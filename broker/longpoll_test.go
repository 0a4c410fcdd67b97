package broker

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestHoldServiceAgainstModel drives the hold service's park / notify /
// expire steps with random pulls, arrivals and clock moves, and checks
// every answer against a naive model: a held pull is answered exactly once,
// when its queue's max passes its offset or its deadline passes, never
// before.
func TestHoldServiceAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		s := newHoldService(nil)
		maxOff := map[queueKey]int64{}
		s.maxOffsetFn = func(k queueKey) int64 {
			if v, ok := maxOff[k]; ok {
				return v
			}
			return -1
		}
		answered := map[*heldPull]int{}
		now := time.Unix(1000, 0)
		s.replyFn = func(p *heldPull) {
			answered[p]++
			k := queueKey{p.args.topic, p.args.queueID}
			if maxOff[k] <= p.args.offset && p.deadline.After(now) {
				t.Fatalf("seed %d: pull at %d answered early (queue max %d, deadline in %v)", seed, p.args.offset, maxOff[k], p.deadline.Sub(now))
			}
		}
		keys := []queueKey{{"A", 0}, {"A", 1}, {"B", 0}}
		var all []*heldPull
		for step := 0; step < 300; step++ {
			switch r.IntN(3) {
			case 0: // a pull at a random offset near the queue's end
				k := keys[r.IntN(len(keys))]
				off := max(maxOff[k]+int64(r.IntN(3))-1, 0)
				p := &heldPull{args: pullArgs{topic: k.topic, queueID: k.queueID, offset: off},
					deadline: now.Add(time.Duration(1+r.IntN(50)) * time.Millisecond)}
				all = append(all, p)
				s.park(p)
			case 1: // messages arrive
				k := keys[r.IntN(len(keys))]
				maxOff[k] = max(maxOff[k], 0) + int64(1+r.IntN(2))
				s.notify(arrival{key: k, max: maxOff[k]})
			case 2: // time passes
				now = now.Add(time.Duration(r.IntN(20)) * time.Millisecond)
				s.expire(now)
			}
			for _, p := range all {
				k := queueKey{p.args.topic, p.args.queueID}
				due := maxOff[k] > p.args.offset || !p.deadline.After(now)
				if answered[p] > 1 {
					t.Fatalf("seed %d step %d: pull answered %d times", seed, step, answered[p])
				}
				if due && answered[p] == 0 {
					t.Fatalf("seed %d step %d: pull at %d (queue max %d, deadline in %v) not answered",
						seed, step, p.args.offset, maxOff[k], p.deadline.Sub(now))
				}
			}
		}
		if int64(len(all)-len(answered)) != s.parked() {
			t.Fatalf("seed %d: %d pulls unanswered, parked() = %d", seed, len(all)-len(answered), s.parked())
		}
	}
}
