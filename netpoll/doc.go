// Package netpoll owns the network transport: an event-loop server over
// gnet v2 that assembles remoting frames, dispatches them by request code,
// and completes responses later through batched, vectored writes; and the
// outbound connection pool (Client) used by brokers, tools and tests.
//
// Handlers see only this package's and protocol's types, never gnet's.
//
// # Exports
//
//   - Server (NewServer, Handle, HandleDefault, OnClose, OnBatchEnd, Start, Addr, Stats,
//     StopAccepting, Drain, Close) and its Config. StopAccepting and Drain
//     are a clean shutdown's first step (drain.go): new connections are
//     closed unserved while open ones are still served, and Drain waits
//     until replies already posted are written. Stats counts the bytes the loops wrote and how
//     many were copied on the way (inline into a batch, or by gnet into a
//     connection's outbound buffer) versus written from ReplyVec slices.
//   - Handler, the function a request code is routed to, and Conn, the
//     accepted connection it is given: Reply/ReplyVec answer inside the
//     handler; Defer returns a ReplyTo that answers later from any
//     goroutine; Invoke/InvokeAsync/Send carry broker-initiated requests
//     (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE) to the client on
//     the connection it opened.
//   - Client (NewClient, Invoke, InvokeOneway, Close) and ClientConfig.
//
// Callers: namesrv and broker register handlers; broker and the admin CLI
// use Client to reach NameServers; tests use both.
//
// # Request flow on the server
//
// gnet reads into one buffer per event loop and calls OnTraffic. The loop
// peeks the 4-byte length, checks it against MaxFrameBytes, waits until the
// whole frame is buffered, decodes the header in place (protocol.Decode:
// Body and strings alias the buffer) and calls the handler, then discards
// the frame. Replies made during that OnTraffic call are appended to the
// loop's batch (headers and inline bodies copied once into a reused buffer,
// ReplyVec slices referenced) and written with one writev when OnTraffic
// ends, so pipelined requests cost one write. Between the last handler and
// that write the OnBatchEnd hook runs, if a handler of the batch called
// Conn.NeedBatchEnd (the broker writes the batch's deferred commit-log
// records there, one pwrite per batch); if it fails the replies are
// dropped and the connection closed.
//
// A malformed, oversized or undecodable frame closes its connection with a
// log line; the loop and every other connection go on. So does a peer that
// lets more than MaxOutboundBytes of replies pile up unread, and (with an
// IdleTimeout) a connection on which nothing moved for that long. A request without
// the oneway bit always gets an answer: its handler's, or
// REQUEST_CODE_NOT_SUPPORTED, or SYSTEM_ERROR if the handler panicked.
// Responses use the request's serialize type.
//
// # Lifetimes
//
//   - A handler's *protocol.Command and every slice or string from it are
//     valid only during the handler call (gnet's Peek views die with the
//     event). Keep c.Defer(req) to answer later; Clone what else must live.
//   - Reply encodes the response at once; the response may be reused when
//     Reply returns. So do ReplyTo.Reply, Conn.Invoke and Conn.Send.
//   - ReplyVec body slices are written without a copy and must stay valid
//     until their release callback runs. release runs exactly once, on the
//     event loop after the writev returned (gnet has then either handed the
//     bytes to the kernel or copied the unsent tail into its outbound
//     buffer), or with ErrConnClosed / ErrServerClosed if the frame could not
//     be written, or synchronously when the call itself fails.
//   - Responses returned by Client.Invoke and Conn.Invoke own their memory.
//
// # Deferred replies
//
// ReplyTo.Reply may be called from any goroutine (group-commit flusher,
// long-poll wake-up, cold-read pool). It encodes into a pooled buffer and
// appends to the connection's loop outbox (a mutex-guarded slice); the
// first append after a drain queues one task on the loop
// (EventLoop.Execute), which takes the whole slice and writes each
// connection's frames with one writev. No goroutine per request, one loop
// wake-up per batch. If the connection has closed, the drain fails the
// frames (releases run with ErrConnClosed); after Server.Close, Close fails
// what is left and later posts fail at once with ErrServerClosed.
//
// # Goroutines
//
// Server: gnet's main reactor, its event loops (Config.NumEventLoops, one
// per core by default) and, with an IdleTimeout, its ticker, all started
// from one goroutine labelled netpoll=server; plus the close notifier
// (netpoll=close-notifier) that runs OnClose hooks off the loops. Start
// starts them; Close stops and awaits them all. Client: one reader per open
// connection (netpoll=client-reader); Close stops and awaits them. Timers of
// InvokeAsync run on the runtime's timer goroutines and only call back.
//
// # Lock order
//
// Server.mu (registry: state, conns, loops) and loop.out.mu (outbox) and
// callTable.mu and closeNotifier.mu are leaves: none is held while another
// is taken, and none is held across I/O or a callback. Server.lifecycle
// serialises Start and Close and is taken before Server.mu. Client.mu, then
// never another; clientConn.w is released across each socket write.
//
// # Why gnet, and where io_uring fits
//
// On this project's 2-vCPU target, with the server pinned to its own core,
// gnet handled about 14% more echo requests than net with 18% less CPU per
// request and a lower p99 (machine-limits.md §5). It gives what a broker
// needs: decoding in place from a per-loop buffer, goroutine-safe
// asynchronous writes, writev, and no goroutine per connection. When client
// and server share the two vCPUs the two are level, and inside one process
// with 64 busy client goroutines net does better (likely because a gnet
// loop returning from epoll_wait queues for a P behind the client's
// goroutines; not verified): BenchmarkPingPong measures these cases. Keep
// load generators out of the broker process.
//
// Everything gnet-specific sits in events.go, loop.go (frame assembly),
// batch.go and outbox.go (writes) and listener_linux.go. An io_uring
// backend would supply the same three things per loop: the read view (frame
// assembly is unchanged), a writev for a connection, and a way to run a
// function on the loop. Conn keeps
// gnet's connection in one unexported field; Handler, Conn's methods,
// ReplyTo and Client stay as they are.
package netpoll
