package namesrv

import (
	"slices"

	"github.com/fastmq/fastmq/protocol"
)

// routeScratch is reusable memory for encoding one route.
type routeScratch struct {
	route   protocol.TopicRouteData
	brokers []protocol.BrokerData
}

// appendRoute appends topic's TopicRouteData JSON to dst and reports
// whether the topic has a route: queue data and at least one known broker
// group (J4 pickupTopicRouteData). orderConf is set as orderTopicConf when
// not empty. It encodes under the read lock straight from the table, so it
// allocates nothing once dst and sc have grown. sc holds references into
// the table only during the call.
func (t *routeTable) appendRoute(dst []byte, sc *routeScratch, topic, orderConf string, keys protocol.MapKeys) ([]byte, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	list := t.topics[topic]
	if len(list) == 0 {
		return dst, false
	}
	sc.brokers = sc.brokers[:0]
	for i := range list {
		if bd := t.brokers[list[i].BrokerName]; bd != nil {
			sc.brokers = append(sc.brokers, *bd)
		}
	}
	if len(sc.brokers) == 0 {
		return dst, false
	}
	sc.route = protocol.TopicRouteData{OrderTopicConf: orderConf, QueueDatas: list,
		BrokerDatas: sc.brokers, FilterServerTable: t.routeFilterServersLocked(sc.brokers)}
	dst = protocol.AppendTopicRouteData(dst, &sc.route, keys)
	clear(sc.brokers) // drop references into the table
	sc.route = protocol.TopicRouteData{}
	return dst, true
}

// routeFilterServersLocked returns the filter servers of the route's broker
// addresses (nil when there are none, the usual case). Caller holds mu.
func (t *routeTable) routeFilterServersLocked(brokers []protocol.BrokerData) map[string][]string {
	if len(t.filterServers) == 0 {
		return nil
	}
	var m map[string][]string
	for i := range brokers {
		for _, a := range brokers[i].Addrs {
			if fs, ok := t.filterServers[a.Addr]; ok {
				if m == nil {
					m = make(map[string][]string)
				}
				m[a.Addr] = slices.Clone(fs)
			}
		}
	}
	return m
}

// route returns topic's route as a value that shares nothing with the
// table (for callers in this process and tests).
func (t *routeTable) route(topic string) (protocol.TopicRouteData, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	list := t.topics[topic]
	r := protocol.TopicRouteData{QueueDatas: slices.Clone(list)}
	for i := range list {
		if bd := t.brokers[list[i].BrokerName]; bd != nil {
			c := *bd
			c.Addrs = slices.Clone(bd.Addrs)
			r.BrokerDatas = append(r.BrokerDatas, c)
		}
	}
	r.FilterServerTable = t.routeFilterServersLocked(r.BrokerDatas)
	return r, len(list) > 0 && len(r.BrokerDatas) > 0
}

// clusterInfo returns a copy of the broker and cluster tables
// (GET_BROKER_CLUSTER_INFO).
func (t *routeTable) clusterInfo() protocol.ClusterInfo {
	t.mu.RLock()
	defer t.mu.RUnlock()
	ci := protocol.ClusterInfo{
		BrokerAddrTable:  make(map[string]protocol.BrokerData, len(t.brokers)),
		ClusterAddrTable: make(map[string][]string, len(t.clusters)),
	}
	for name, bd := range t.brokers {
		c := *bd
		c.Addrs = slices.Clone(bd.Addrs)
		ci.BrokerAddrTable[name] = c
	}
	for cluster, names := range t.clusters {
		ci.ClusterAddrTable[cluster] = sortedSet(names)
	}
	return ci
}

// allTopics returns every topic with queue data, sorted.
func (t *routeTable) allTopics() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]string, 0, len(t.topics))
	for topic := range t.topics {
		out = append(out, topic)
	}
	slices.Sort(out)
	return out
}

// topicsByCluster returns the topics that have queue data on any broker
// group of cluster, sorted.
func (t *routeTable) topicsByCluster(cluster string) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	names := t.clusters[cluster]
	var out []string
	for topic, list := range t.topics {
		for i := range list {
			if _, ok := names[list[i].BrokerName]; ok {
				out = append(out, topic)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// systemTopics returns the cluster and broker names (which Java brokers
// create as topics) and one broker address, as J4 getSystemTopicList does.
func (t *routeTable) systemTopics() protocol.TopicList {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var l protocol.TopicList
	for cluster, names := range t.clusters {
		l.Topics = append(l.Topics, cluster)
		for name := range names {
			l.Topics = append(l.Topics, name)
		}
	}
	slices.Sort(l.Topics)
	l.Topics = slices.Compact(l.Topics)
	for _, name := range sortedSet(t.brokerNamesLocked()) {
		if bd := t.brokers[name]; len(bd.Addrs) > 0 {
			l.BrokerAddr = bd.Addrs[0].Addr
			break
		}
	}
	return l
}

func (t *routeTable) brokerNamesLocked() map[string]struct{} {
	m := make(map[string]struct{}, len(t.brokers))
	for name := range t.brokers {
		m[name] = struct{}{}
	}
	return m
}

// deleteTopic removes topic's queue data: all of it when cluster is "",
// else only that of cluster's broker groups (J4 deleteTopic).
func (t *routeTable) deleteTopic(topic, cluster string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cluster == "" {
		delete(t.topics, topic)
		return
	}
	for name := range t.clusters[cluster] {
		t.removeQueueDataLocked(name, func(tp string) bool { return tp == topic })
	}
}

// setWritePerm clears (wipe) or restores (add: perm = READ|WRITE) the write
// permission of brokerName's queue data in every topic and returns how many
// topics it touched (J4 operateWritePermOfBroker).
func (t *routeTable) setWritePerm(brokerName string, add bool) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, list := range t.topics {
		i, found := slices.BinarySearchFunc(list, brokerName, byBrokerName)
		if !found {
			continue
		}
		if add {
			list[i].Perm = protocol.PermRead | protocol.PermWrite
		} else {
			list[i].Perm &^= protocol.PermWrite
		}
		n++
	}
	return n
}

// sortedSet returns a set's members in ascending order.
func sortedSet(s map[string]struct{}) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
