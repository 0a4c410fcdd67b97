// Package namesrv owns the NameServer: the route table (clusters, broker
// groups, topics and their queues), broker liveness, the KV configuration,
// and the request handlers that serve them over netpoll. It keeps routes as
// RocketMQ's RouteInfoManager does and answers with the bodies the Java
// NameServer writes, byte for byte where clients parse by hand (the
// official Go client splits brokerAddrs itself).
//
// # Exports
//
// New builds a Server from a Config (and loads kvConfig.json); Start serves
// on Config.Addr, or, after Register, on a netpoll server that someone else
// owns (mqbroker --standalone shares one process that way); Addr and Close
// do what they say; Route and ClusterInfo read the table in process. cmd/mqnamesrv reads namesrv.conf and fills the Config.
//
// # Requests
//
// dispatch.go is the one table from request code to handler:
// REGISTER_BROKER (the 4.x broker heartbeat), UNREGISTER_BROKER,
// QUERY_DATA_VERSION (handle_broker.go); GET_ROUTEINFO_BY_TOPIC,
// GET_BROKER_CLUSTER_INFO, GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
// GET_TOPICS_BY_CLUSTER, GET_SYSTEM_TOPIC_LIST_FROM_NS,
// DELETE_TOPIC_IN_NAMESRV, WIPE/ADD_WRITE_PERM_OF_BROKER (handle_route.go);
// PUT/GET/DELETE_KV_CONFIG, GET_KVLIST_BY_NAMESPACE (handle_kv.go);
// GET_NAMESRV_CONFIG when Config.Properties is set (handle_config.go). Other
// codes get REQUEST_CODE_NOT_SUPPORTED from netpoll. A request whose header
// does not decode is logged and answered SYSTEM_ERROR with the reason.
// Handlers run on netpoll's event loops and never block: route reads take a
// read lock for the time it takes to encode one route; KV changes are
// answered by the KV persister once they are on disk. A REGISTER_BROKER
// whose body is compressed or larger than 64 KiB is copied and decoded by
// the registrar goroutine (registrar.go; bounded queue, SYSTEM_BUSY when
// full) and answered through a deferred reply; small plain ones inline.
//
// # Liveness
//
// A broker address is alive while it registers: one not heard from for
// Config.BrokerTimeout (120 s) is removed by the expiry scanner, which runs
// every Config.ScanInterval (5 s) on the injected clock and closes the
// connection the broker registered on. A connection that closes removes
// every broker registered on it at once. Removing a broker group's last
// address removes the group from its cluster and its queue data from every
// topic; a topic left with no queue data disappears (its lookups are
// answered TOPIC_NOT_EXIST, 17). Only a master's registration (id 0) writes queue data,
// and only when its DataVersion changed or it registers for the first time.
//
// # Goroutines
//
// A started Server owns: the expiry scanner (scanLoop), the KV persister
// (kvStore.persistLoop), the registrar (registrar.run) and, unless attached with Register, its netpoll
// server's goroutines. Close stops and awaits all of them; it is safe to
// call twice.
//
// # Locks
//
// Server.lifecycle, Server.brokerConns, routeTable.mu, registrar.mu, kvStore.mu and
// kvStore.pending are never held together, with one exception:
// Server.lifecycle is held while registering handlers on, creating and
// starting a netpoll server (so lifecycle comes before netpoll's own
// locks). No lock is held across I/O: the KV file is written by the
// persister with no lock held, from a snapshot taken under kvStore.mu.
// netpoll's close hooks (onConnClose) run with no lock of this package
// held.
package namesrv
