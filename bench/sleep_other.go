//go:build !linux

package bench

import "time"

// preciseSleep sleeps d; off Linux it is Go's timer, with its rounding.
func preciseSleep(d time.Duration) { time.Sleep(d) }
