// Package bench is the `make bench` suite: scenarios run on our broker and
// on its peer, NATS JetStream, side by side in one run, with the machine's
// physical limits measured in the same run, and a report that puts every
// figure next to the peer's and the limit's and checks the project's
// targets. cmd/mqbench is its command line.
//
// # Scenarios
//
//   - produce: 1 KiB messages from 1, 16 and 64 producers, each with a
//     window of messages in flight, async and sync flush; plus, under sync
//     flush, producers with one message in flight (send latency).
//   - e2e: one producer at a fixed rate (10,000 msg/s), one consumer;
//     latency from the intended send time stamped in the body to delivery,
//     so a producer that falls behind is charged for it. The pacer sleeps
//     its last 2 ms with nanosleep (sleep_linux.go): Go's timers round
//     sub-millisecond waits up to 1 ms, which would charge the harness's
//     own lateness to the system.
//   - catch-up: a backlog (2 GiB in the full profile) produced first, then
//     read from the start by one consumer; MB/s, and from the broker's own
//     counters the user-space bytes it copied and the heap it allocated
//     per byte served.
//   - client-cost: our client against the official Go client v2.1.2 on
//     the same broker, producing then consuming; CPU time and allocations
//     per message of this process, where only the client under test runs.
//   - limits: loopback TCP (1 MiB writes), and write+fdatasync in 4 KiB and
//     128 KiB batches on the stores' file system.
//
// Every scenario is bounded in time and count (Profile: full, quick,
// smoke). Each load starts after sync(2), so that no cell runs while the
// kernel writes back the previous cell's dirty pages. Servers are processes (Process, StartBroker, StartNATS) in temp
// dirs on 127.0.0.1; every process started is stopped (SIGTERM, then
// kill; Pdeathsig as a last resort).
//
// # The seam
//
// Scenarios drive a Client (target.go): producers with a window and a done
// callback, consumers from the first message with a Deliver callback.
// Three implement it: fastmq.go (our client), official.go (the official
// RocketMQ Go client, unchanged), jetstream.go (nats.go). Each system's
// server CPU time is read from /proc for CPU per message.
//
// # Files
//
//	target.go      Client, Producer, Consumer, Deliver
//	process.go     server processes; broker.go mqbroker --standalone; nats.go nats-server install and start
//	fastmq.go      our client; official.go the official client; jetstream.go nats.go
//	load.go        the produce load: windows, pacing, stamps, HDR latency; sleep_*.go the pacer's precise sleep
//	produce.go, e2e.go, catchup.go, clientcost.go, limits.go   the scenarios
//	system.go      a server under test, CPU accounting, progress lines
//	counters.go    our broker's runtime counters (GET_BROKER_RUNTIME_INFO)
//	suite.go       profiles, Config, Run
//	result.go      Result: comparisons, targets; write.go the report files
package bench
