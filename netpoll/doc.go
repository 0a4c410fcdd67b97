// Package netpoll owns the network transport: an event-loop server over
// gnet v2 that assembles remoting frames, dispatches them by request code,
// and completes responses later through asynchronous, vectored writes; and
// the outbound connection pool used by brokers, tools and tests.
//
// Handlers see only this package's and protocol's types, never gnet's.
package netpoll
