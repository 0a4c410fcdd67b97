// Package namesrv owns the NameServer: the route table (clusters, brokers,
// topics and their queues), broker liveness, KV configuration, and the
// request handlers that serve them over netpoll.
package namesrv
