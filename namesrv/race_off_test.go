//go:build !race

package namesrv

// raceEnabled skips allocation assertions, which the race detector skews.
const raceEnabled = false
