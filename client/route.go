package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/fastmq/fastmq/protocol"
)

// topicRoute is what the client derives from one topic's route: the
// queues it may send to and read from, in a fixed order (broker name, then
// queue id), and which brokers serve them. Immutable once built.
type topicRoute struct {
	data      protocol.TopicRouteData
	publish   []MessageQueue // writable queues of brokers with a master
	subscribe []MessageQueue // readable queues
	// writeQueues counts the writable queues per broker name.
	writeQueues map[string]int
	// sendWhichQueue is the round-robin position of default sends.
	sendWhichQueue atomic.Uint32
}

func buildTopicRoute(topic string, data protocol.TopicRouteData, capQueues int) *topicRoute {
	r := &topicRoute{data: data, writeQueues: make(map[string]int)}
	masters := make(map[string]bool)
	for _, b := range data.BrokerDatas {
		if _, ok := b.Addr(protocol.MasterID); ok {
			masters[b.BrokerName] = true
		}
	}
	qds := slices.Clone(data.QueueDatas)
	slices.SortFunc(qds, func(a, b protocol.QueueData) int { return compareJava(a.BrokerName, b.BrokerName) })
	for _, qd := range qds {
		w, rd := int(qd.WriteQueueNums), int(qd.ReadQueueNums)
		if capQueues > 0 {
			w, rd = min(w, capQueues), min(rd, capQueues)
		}
		if qd.Perm&protocol.PermWrite != 0 && masters[qd.BrokerName] {
			for i := 0; i < w; i++ {
				r.publish = append(r.publish, MessageQueue{Topic: topic, BrokerName: qd.BrokerName, QueueID: int32(i)})
			}
			r.writeQueues[qd.BrokerName] += w
		}
		if qd.Perm&protocol.PermRead != 0 {
			for i := 0; i < rd; i++ {
				r.subscribe = append(r.subscribe, MessageQueue{Topic: topic, BrokerName: qd.BrokerName, QueueID: int32(i)})
			}
		}
	}
	return r
}

// routes is the client's route table: topic routes fetched from the
// NameServers and the broker addresses they name.
type routes struct {
	rpc         *remoting
	nameServers []string // immutable
	nsNext      atomic.Uint32

	mu struct {
		sync.RWMutex
		topics  map[string]*topicRoute
		brokers map[string]protocol.BrokerData // by broker name
	}
}

func newRoutes(rpc *remoting, nameServers []string) *routes {
	r := &routes{rpc: rpc, nameServers: nameServers}
	r.mu.topics = make(map[string]*topicRoute)
	r.mu.brokers = make(map[string]protocol.BrokerData)
	return r
}

// get returns the cached route of topic, or nil.
func (r *routes) get(topic string) *topicRoute {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.mu.topics[topic]
}

// topics returns the topics with a cached route.
func (r *routes) topicNames() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.mu.topics))
	for t := range r.mu.topics {
		out = append(out, t)
	}
	return out
}

// lookup returns topic's route, fetching it when it is not cached.
func (r *routes) lookup(ctx context.Context, topic string) (*topicRoute, error) {
	if tr := r.get(topic); tr != nil {
		return tr, nil
	}
	return r.update(ctx, topic)
}

// lookupForSend is lookup for a producer: a topic the NameServers do not
// know is sent to through the route of the auto-create template topic
// (TBW102), its queues capped at 4, as RocketMQ's clients do; the broker
// creates the topic on the first message.
func (r *routes) lookupForSend(ctx context.Context, topic string) (*topicRoute, error) {
	tr, err := r.lookup(ctx, topic)
	if err == nil || !errors.Is(err, ErrNoRoute) {
		return tr, err
	}
	data, err2 := r.fetch(ctx, defaultTopicKey)
	if err2 != nil {
		return nil, err
	}
	r.addBrokers(data)
	return buildTopicRoute(topic, data, defaultTopicQueueNums), nil
}

// update fetches topic's route from the NameServers and caches it.
func (r *routes) update(ctx context.Context, topic string) (*topicRoute, error) {
	data, err := r.fetch(ctx, topic)
	if err != nil {
		return nil, err
	}
	tr := buildTopicRoute(topic, data, 0)
	r.mu.Lock()
	r.mu.topics[topic] = tr
	r.mu.Unlock()
	r.addBrokers(data)
	return tr, nil
}

// addBrokers records the broker addresses a route names.
func (r *routes) addBrokers(data protocol.TopicRouteData) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range data.BrokerDatas {
		r.mu.brokers[b.BrokerName] = b
	}
}

// fetch asks the NameServers for topic's route, each at most once,
// starting with the next in round-robin order.
func (r *routes) fetch(ctx context.Context, topic string) (protocol.TopicRouteData, error) {
	start := int(r.nsNext.Add(1))
	var lastErr error = ErrNoNameServer
	for i := range r.nameServers {
		addr := r.nameServers[(start+i)%len(r.nameServers)]
		req := r.rpc.newRequest(protocol.ReqGetRouteInfoByTopic)
		(&protocol.GetRouteInfoRequestHeader{Topic: topic}).Encode(req)
		resp, err := r.rpc.invoke(ctx, addr, req, 0)
		if err != nil {
			lastErr = fmt.Errorf("client: route of %s from %s: %w", topic, addr, err)
			continue
		}
		switch protocol.ResponseCode(resp.Code) {
		case protocol.RespSuccess:
			data, err := protocol.DecodeTopicRouteData(resp.Body)
			if err != nil {
				return data, fmt.Errorf("%w: route of %s: %v", ErrBadResponse, topic, err)
			}
			return data, nil
		case protocol.RespTopicNotExist:
			return protocol.TopicRouteData{}, fmt.Errorf("%w: %s: %w", ErrNoRoute, topic, brokerError("route", addr, resp))
		default:
			lastErr = brokerError("route", addr, resp)
		}
	}
	return protocol.TopicRouteData{}, lastErr
}

// refreshAll re-fetches every cached topic's route; a topic whose route
// is gone keeps its old one (RocketMQ's clients do the same).
func (r *routes) refreshAll(ctx context.Context) {
	for _, t := range r.topicNames() {
		_, _ = r.update(ctx, t) // a failed refresh keeps the last good route
	}
}

// masterAddr returns the master address of brokerName.
func (r *routes) masterAddr(brokerName string) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.mu.brokers[brokerName]
	if !ok {
		return "", false
	}
	return b.Addr(protocol.MasterID)
}

// brokerAddr returns the address of broker id of brokerName, falling back
// to the master and then to any member (a pull's suggested broker).
func (r *routes) brokerAddr(brokerName string, id int64) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.mu.brokers[brokerName]
	if !ok || len(b.Addrs) == 0 {
		return "", false
	}
	if a, ok := b.Addr(id); ok {
		return a, true
	}
	if a, ok := b.Addr(protocol.MasterID); ok {
		return a, true
	}
	return b.Addrs[0].Addr, true
}

// allBrokerAddrs returns every broker address the routes name; only
// masters when mastersOnly.
func (r *routes) allBrokerAddrs(mastersOnly bool) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for _, b := range r.mu.brokers {
		for _, a := range b.Addrs {
			if !mastersOnly || a.ID == protocol.MasterID {
				out = append(out, a.Addr)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// anyBrokerOf returns a master address of a broker serving topic.
func (r *routes) anyBrokerOf(tr *topicRoute) (string, bool) {
	for _, qd := range tr.data.QueueDatas {
		if a, ok := r.masterAddr(qd.BrokerName); ok {
			return a, true
		}
	}
	return "", false
}
