//go:build race

package broker

// raceEnabled: under the race detector the official Go client (which has
// data races of its own) runs in a child process, and allocation counts
// mean nothing (sync.Pool drops items at random).
const raceEnabled = true
