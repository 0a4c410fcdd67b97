//go:build race

package main

// raceEnabled: these tests drive the official Go client v2.1.2 in the test
// process, and it has data races of its own; the broker under test runs in
// its own (non-race) process anyway, and broker/ runs its official-client
// scenarios in a child process under -race.
const raceEnabled = true
