//go:build race

package protocol

// raceEnabled: allocation counts mean nothing under the race detector, and
// tests that drive the official Go client's push consumer skip under it
// because it reports that client's own data races.
const raceEnabled = true
