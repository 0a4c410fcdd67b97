// Package replica will own master/slave replication: the HA streams,
// synchronous-replication waits and slave reads, with failover through an
// existing Raft library. Nothing is implemented yet.
package replica
