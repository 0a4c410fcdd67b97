package namesrv

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// routeTable is the NameServer's route registry, kept as RocketMQ's
// RouteInfoManager keeps it (J4 namesrv/routeinfo/RouteInfoManager.java):
//
//	topics        topic      -> queue data per brokerName
//	brokers       brokerName -> cluster and addresses by broker id
//	clusters      cluster    -> brokerNames
//	live          brokerAddr -> last registration time, data version, HA
//	                            address, connection
//	filterServers brokerAddr -> filter server addresses
//
// Invariants (between calls, under mu):
//   - every brokerName in clusters and in a topic's queue data has an entry in
//     brokers, except queue data left by a slave-only group (Java keeps it too);
//   - a BrokerData's Addrs is sorted by id, one address per id, and an
//     address appears under one id only;
//   - a topic in topics has at least one QueueData, sorted by brokerName.
//
// The table does no I/O and calls nothing outside the package while holding
// mu. Time comes from the caller, so expiry is driven by a clock seam.
//
// The simpler design, a copy-on-write snapshot swapped under an atomic
// pointer, was rejected: registrations arrive every 30 s per broker and
// carry whole topic tables, so copying every map per registration costs more
// than the read lock saves; route reads hold the read lock only while they
// encode one route.
type routeTable struct {
	mu sync.RWMutex
	// All fields below are guarded by mu.
	topics        map[string][]protocol.QueueData // sorted by BrokerName
	brokers       map[string]*protocol.BrokerData // by brokerName
	clusters      map[string]map[string]struct{}  // cluster -> set of brokerNames
	live          map[string]*brokerLive          // by brokerAddr
	filterServers map[string][]string             // by brokerAddr
}

// brokerLive is what the table knows of one broker address's liveness.
type brokerLive struct {
	lastUpdate   time.Time
	dataVersion  protocol.DataVersion
	haServerAddr string
	connID       uint64 // the connection it registered on; 0 = in-process
}

func newRouteTable() *routeTable {
	return &routeTable{
		topics:        make(map[string][]protocol.QueueData),
		brokers:       make(map[string]*protocol.BrokerData),
		clusters:      make(map[string]map[string]struct{}),
		live:          make(map[string]*brokerLive),
		filterServers: make(map[string][]string),
	}
}

// registration is one REGISTER_BROKER request, decoded.
type registration struct {
	protocol.BrokerIdentity
	HAServerAddr string
	// Topics is the broker's topic table; nil when the request had no body.
	Topics *protocol.TopicConfigSerializeWrapper
	// FilterServers replaces the address's filter servers; nil leaves them.
	FilterServers []string
	ConnID        uint64
}

// registerResult is what a slave learns about its master, and whether the
// address was not registered before.
type registerResult struct {
	HAServerAddr string
	MasterAddr   string
	New          bool
}

// register records a broker registration at now (J4 registerBroker).
func (t *routeTable) register(r *registration, now time.Time) registerResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := t.clusters[r.ClusterName]
	if names == nil {
		names = make(map[string]struct{})
		t.clusters[r.ClusterName] = names
	}
	names[r.BrokerName] = struct{}{}

	bd := t.brokers[r.BrokerName]
	first := bd == nil
	if first {
		bd = &protocol.BrokerData{Cluster: r.ClusterName, BrokerName: r.BrokerName}
		t.brokers[r.BrokerName] = bd
	}
	// An address lives under one id only: a slave promoted to master first
	// loses its old id.
	bd.Addrs = slices.DeleteFunc(bd.Addrs, func(a protocol.BrokerAddr) bool {
		return a.Addr == r.BrokerAddr && a.ID != r.BrokerID
	})
	first = setAddr(bd, r.BrokerID, r.BrokerAddr) || first

	var version protocol.DataVersion
	if r.Topics != nil {
		version = r.Topics.DataVersion
		if r.BrokerID == protocol.MasterID && (first || t.versionChangedLocked(r.BrokerAddr, version)) {
			for topic, tc := range r.Topics.TopicConfigTable {
				t.putQueueDataLocked(topic, r.BrokerName, &tc)
			}
		}
	}
	_, known := t.live[r.BrokerAddr]
	t.live[r.BrokerAddr] = &brokerLive{lastUpdate: now, dataVersion: version,
		haServerAddr: r.HAServerAddr, connID: r.ConnID}
	if r.FilterServers != nil {
		if len(r.FilterServers) == 0 {
			delete(t.filterServers, r.BrokerAddr)
		} else {
			t.filterServers[r.BrokerAddr] = slices.Clone(r.FilterServers)
		}
	}
	res := registerResult{New: !known}
	if r.BrokerID != protocol.MasterID {
		if master, ok := bd.Addr(protocol.MasterID); ok {
			if ml := t.live[master]; ml != nil {
				res.HAServerAddr, res.MasterAddr = ml.haServerAddr, master
			}
		}
	}
	return res
}

// setAddr sets id's address in bd, keeping Addrs sorted, and reports
// whether id had no address before.
func setAddr(bd *protocol.BrokerData, id int64, addr string) bool {
	i, found := slices.BinarySearchFunc(bd.Addrs, id, func(a protocol.BrokerAddr, id int64) int {
		return cmp.Compare(a.ID, id)
	})
	if found {
		bd.Addrs[i].Addr = addr
		return false
	}
	bd.Addrs = slices.Insert(bd.Addrs, i, protocol.BrokerAddr{ID: id, Addr: addr})
	return true
}

// versionChangedLocked reports whether addr's registered data version
// differs from v (true when addr is unknown). Caller holds mu.
func (t *routeTable) versionChangedLocked(addr string, v protocol.DataVersion) bool {
	l := t.live[addr]
	return l == nil || l.dataVersion != v
}

// putQueueDataLocked sets brokerName's queue data for topic from tc.
// Caller holds mu for writing.
func (t *routeTable) putQueueDataLocked(topic, brokerName string, tc *protocol.TopicConfig) {
	qd := protocol.QueueData{BrokerName: brokerName, ReadQueueNums: tc.ReadQueueNums,
		WriteQueueNums: tc.WriteQueueNums, Perm: tc.Perm, TopicSysFlag: tc.TopicSysFlag}
	list := t.topics[topic]
	i, found := slices.BinarySearchFunc(list, brokerName, byBrokerName)
	if found {
		list[i] = qd
		return
	}
	t.topics[topic] = slices.Insert(list, i, qd)
}

func byBrokerName(q protocol.QueueData, name string) int { return cmp.Compare(q.BrokerName, name) }

// unregister removes one broker address (J4 unregisterBroker).
func (t *routeTable) unregister(id *protocol.BrokerIdentity) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.live, id.BrokerAddr)
	delete(t.filterServers, id.BrokerAddr)
	bd := t.brokers[id.BrokerName]
	if bd == nil {
		return
	}
	bd.Addrs = slices.DeleteFunc(bd.Addrs, func(a protocol.BrokerAddr) bool { return a.ID == id.BrokerID })
	if len(bd.Addrs) == 0 {
		t.removeBrokerNameLocked(id.BrokerName)
	}
}

// removeAddrLocked drops a broker address wherever it is registered, as on
// a closed connection or an expired registration (J4 onChannelDestroy).
// Every group loses it: an address can be in two (a broker restarted under
// another brokerName before its old registration expired), and with its
// liveness entry gone nothing else would remove it from the other.
// Caller holds mu for writing.
func (t *routeTable) removeAddrLocked(addr string) {
	delete(t.live, addr)
	delete(t.filterServers, addr)
	for name, bd := range t.brokers {
		n := len(bd.Addrs)
		bd.Addrs = slices.DeleteFunc(bd.Addrs, func(a protocol.BrokerAddr) bool { return a.Addr == addr })
		if len(bd.Addrs) != n && len(bd.Addrs) == 0 {
			t.removeBrokerNameLocked(name)
		}
	}
}

// removeBrokerNameLocked forgets a broker group whose last address went:
// its cluster membership (and the cluster if it empties) and its queue data
// in every topic (and topics left without queue data). Caller holds mu.
func (t *routeTable) removeBrokerNameLocked(name string) {
	cluster := t.brokers[name].Cluster
	delete(t.brokers, name)
	for c, names := range t.clusters {
		if _, ok := names[name]; !ok {
			continue
		}
		delete(names, name)
		if len(names) == 0 {
			delete(t.clusters, c)
		}
		if c == cluster {
			break
		}
	}
	t.removeQueueDataLocked(name, func(string) bool { return true })
}

// removeQueueDataLocked removes brokerName's queue data from every topic
// that match accepts, and topics left empty. Caller holds mu.
func (t *routeTable) removeQueueDataLocked(brokerName string, match func(topic string) bool) {
	for topic, list := range t.topics {
		if !match(topic) {
			continue
		}
		i, found := slices.BinarySearchFunc(list, brokerName, byBrokerName)
		if !found {
			continue
		}
		list = slices.Delete(list, i, i+1)
		if len(list) == 0 {
			delete(t.topics, topic)
		} else {
			t.topics[topic] = list
		}
	}
}

// connClosed drops every broker address registered on connection connID
// and returns them.
func (t *routeTable) connClosed(connID uint64) []string {
	if connID == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var gone []string
	for addr, l := range t.live {
		if l.connID == connID {
			gone = append(gone, addr)
		}
	}
	for _, addr := range gone {
		t.removeAddrLocked(addr)
	}
	return gone
}

// expired is a broker address dropped by expire, with its connection.
type expired struct {
	addr   string
	connID uint64
}

// expire drops every broker address whose last registration is older than
// now-timeout (J4 scanNotActiveBroker) and returns them.
func (t *routeTable) expire(now time.Time, timeout time.Duration) []expired {
	deadline := now.Add(-timeout)
	t.mu.RLock()
	var gone []expired
	for addr, l := range t.live {
		if l.lastUpdate.Before(deadline) {
			gone = append(gone, expired{addr: addr, connID: l.connID})
		}
	}
	t.mu.RUnlock()
	if len(gone) == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	kept := gone[:0]
	for _, e := range gone {
		// Re-check: the broker may have registered again meanwhile.
		if l := t.live[e.addr]; l != nil && l.lastUpdate.Before(deadline) {
			t.removeAddrLocked(e.addr)
			kept = append(kept, e)
		}
	}
	return kept
}

// dataVersion returns addr's registered data version.
func (t *routeTable) dataVersion(addr string) (protocol.DataVersion, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	l := t.live[addr]
	if l == nil {
		return protocol.DataVersion{}, false
	}
	return l.dataVersion, true
}

// queryDataVersion answers QUERY_DATA_VERSION: whether v differs from what
// addr registered; when it does not, addr's liveness is refreshed to now.
func (t *routeTable) queryDataVersion(addr string, v protocol.DataVersion, now time.Time) (changed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	changed = t.versionChangedLocked(addr, v)
	if l := t.live[addr]; l != nil && !changed {
		l.lastUpdate = now
	}
	return changed
}
