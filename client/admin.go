package client

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/fastmq/fastmq/protocol"
)

// Admin runs administrative calls: create topics, read routes and cluster
// information, and a group's consumption progress. It starts no
// goroutines besides its connections' readers, which Close stops.
type Admin struct {
	cfg    common // immutable
	in     *instance
	closed atomic.Bool
}

// NewAdmin returns an admin client.
func NewAdmin(opts ...AdminOption) (*Admin, error) {
	cfg := defaultCommon()
	for _, o := range opts {
		o.applyAdmin(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := &Admin{cfg: cfg}
	a.in = newInstance(&a.cfg, nil)
	return a, nil
}

// Close closes the connections. Safe to call twice.
func (a *Admin) Close() error {
	if a.closed.Swap(true) {
		return nil
	}
	return a.in.close()
}

// TopicSpec describes a topic to create or update.
type TopicSpec struct {
	Topic string
	// Queues is the number of read and write queues per broker; 0 means 8.
	Queues int
	// Perm is the queues' permission bits; 0 means read and write (6).
	Perm int32
	// Order marks an ordered topic.
	Order bool
	// BrokerAddr creates the topic on that broker only; otherwise on
	// every master of Cluster (every cluster when Cluster is empty).
	BrokerAddr string
	Cluster    string
}

// CreateTopic creates or updates a topic (UPDATE_AND_CREATE_TOPIC) on the
// brokers the spec names; the brokers then register it with the
// NameServers.
func (a *Admin) CreateTopic(ctx context.Context, spec TopicSpec) error {
	if err := protocol.ValidateTopic([]byte(spec.Topic)); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrInvalidTopic, spec.Topic, err)
	}
	if spec.Queues <= 0 {
		spec.Queues = 8
	}
	if spec.Perm == 0 {
		spec.Perm = protocol.PermRead | protocol.PermWrite
	}
	addrs := []string{spec.BrokerAddr}
	if spec.BrokerAddr == "" {
		var err error
		if addrs, err = a.masters(ctx, spec.Cluster); err != nil {
			return err
		}
	}
	var errs []error
	for _, addr := range addrs {
		req := a.in.rpc.newRequest(protocol.ReqUpdateAndCreateTopic)
		(&protocol.CreateTopicRequestHeader{
			Topic: spec.Topic, DefaultTopic: defaultTopicKey, ReadQueueNums: int32(spec.Queues),
			WriteQueueNums: int32(spec.Queues), Perm: spec.Perm,
			TopicFilterType: protocol.TopicFilterSingleTag, Order: spec.Order,
		}).Encode(req)
		resp, err := a.in.rpc.invoke(ctx, addr, req, 0)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("client: create topic %s on %s: %w", spec.Topic, addr, err))
		case resp.Code != int32(protocol.RespSuccess):
			errs = append(errs, brokerError("create topic", addr, resp))
		}
	}
	return errors.Join(errs...)
}

// masters returns the master addresses of cluster (all clusters when "").
func (a *Admin) masters(ctx context.Context, cluster string) ([]string, error) {
	ci, err := a.ClusterInfo(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for name, brokers := range ci.ClusterAddrTable {
		if cluster != "" && name != cluster {
			continue
		}
		for _, bn := range brokers {
			if addr, ok := ci.BrokerAddrTable[bn].Addr(protocol.MasterID); ok {
				out = append(out, addr)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: cluster %q has no master", ErrNoBrokerAvailable, cluster)
	}
	return out, nil
}

// TopicRoute returns a topic's route from the NameServers.
func (a *Admin) TopicRoute(ctx context.Context, topic string) (protocol.TopicRouteData, error) {
	return a.in.routes.fetch(ctx, topic)
}

// ClusterInfo returns the brokers and clusters a NameServer knows
// (GET_BROKER_CLUSTER_INFO), asking each NameServer until one answers.
func (a *Admin) ClusterInfo(ctx context.Context) (protocol.ClusterInfo, error) {
	var last error = ErrNoNameServer
	for _, addr := range a.cfg.nameServers {
		resp, err := a.in.rpc.invoke(ctx, addr, a.in.rpc.newRequest(protocol.ReqGetBrokerClusterInfo), 0)
		if err != nil {
			last = err
			continue
		}
		if resp.Code != int32(protocol.RespSuccess) {
			last = brokerError("cluster info", addr, resp)
			continue
		}
		ci, err := protocol.DecodeClusterInfo(resp.Body)
		if err != nil {
			return ci, fmt.Errorf("%w: cluster info: %v", ErrBadResponse, err)
		}
		return ci, nil
	}
	return protocol.ClusterInfo{}, last
}

// QueueProgress is a group's progress on one queue.
type QueueProgress struct {
	Queue MessageQueue
	// BrokerOffset is the queue's next offset to be written.
	BrokerOffset int64
	// ConsumerOffset is the group's committed offset (-1 when none).
	ConsumerOffset int64
	// Lag is BrokerOffset - ConsumerOffset (BrokerOffset when none).
	Lag int64
}

// ConsumerProgress returns group's progress on every readable queue of
// topic: committed offset against the queue's end (what mqadmin
// consumerProgress shows).
func (a *Admin) ConsumerProgress(ctx context.Context, group, topic string) ([]QueueProgress, error) {
	tr, err := a.in.routes.update(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := make([]QueueProgress, 0, len(tr.subscribe))
	for _, mq := range tr.subscribe {
		p := QueueProgress{Queue: mq, ConsumerOffset: -1}
		if p.BrokerOffset, err = a.in.queueOffset(ctx, protocol.ReqGetMaxOffset, mq); err != nil {
			return nil, err
		}
		off, err := a.in.queryOffset(ctx, group, mq)
		switch {
		case err == nil:
			p.ConsumerOffset = off
			p.Lag = max(p.BrokerOffset-off, 0)
		case errors.Is(err, errNoOffset):
			p.Lag = p.BrokerOffset
		default:
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// BrokerRuntimeInfo returns the runtime statistics of the broker at
// brokerAddr (GET_BROKER_RUNTIME_INFO, code 28): the KVTable that
// `mqadmin brokerStatus` prints, such as commitLogMaxOffset,
// commitLogMinOffset, msgPutTotalTodayNow and msgGetTotalTodayNow
// (decimal strings). The set of keys is the broker's choice: ours serves a
// subset of the Java broker's names (J4 BrokerController's runtime info),
// with the same meanings. The map is the caller's.
func (a *Admin) BrokerRuntimeInfo(ctx context.Context, brokerAddr string) (map[string]string, error) {
	resp, err := a.in.rpc.invoke(ctx, brokerAddr, a.in.rpc.newRequest(protocol.ReqGetBrokerRuntimeInfo), 0)
	if err != nil {
		return nil, fmt.Errorf("client: broker runtime info from %s: %w", brokerAddr, err)
	}
	if resp.Code != int32(protocol.RespSuccess) {
		return nil, brokerError("broker runtime info", brokerAddr, resp)
	}
	table, err := protocol.DecodeKVTable(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: broker runtime info from %s: %v", ErrBadResponse, brokerAddr, err)
	}
	return table, nil
}
