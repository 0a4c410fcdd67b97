//go:build race

package bench

// raceEnabled: under the race detector the tests that drive the official
// Go client are skipped, since v2.1.2 has data races of its own.
const raceEnabled = true
