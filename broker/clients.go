package broker

import (
	"sort"
	"sync"
	"time"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// clientTable tracks the consumer groups' live clients and subscriptions
// (J4 ConsumerManager): refreshed by heartbeats, dropped when their
// connection closes or after clientExpiry without a heartbeat.
type clientTable struct {
	mu        sync.RWMutex // guards groups, producers and everything under them
	groups    map[string]*consumerGroup
	producers map[string]map[string]*clientChannel // producer group → client id → channel
}

type consumerGroup struct {
	name    string
	clients map[string]*clientChannel // by client id, exactly as the heartbeat gave it
	subs    map[string]*subscription  // by topic
	model   string
	// consumeType and fromWhere as the last heartbeat gave them.
	consumeType, fromWhere string
}

type clientChannel struct {
	id       string
	conn     *netpoll.Conn
	lastSeen time.Time
	language string // from the heartbeat's header
	version  int32
}

func newClientTable() *clientTable {
	return &clientTable{groups: make(map[string]*consumerGroup), producers: make(map[string]map[string]*clientChannel)}
}

// heartbeat registers or refreshes clientID in the group described by cd
// and reports whether the group's membership or subscriptions changed.
func (t *clientTable) heartbeat(clientID string, conn *netpoll.Conn, cd *protocol.ConsumerData, lang string, version int32, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.groups[cd.GroupName]
	if !ok {
		g = &consumerGroup{name: cd.GroupName, clients: make(map[string]*clientChannel), subs: make(map[string]*subscription)}
		t.groups[cd.GroupName] = g
	}
	g.model, g.consumeType, g.fromWhere = cd.MessageModel, cd.ConsumeType, cd.ConsumeFromWhere
	changed := false
	ch, ok := g.clients[clientID]
	if !ok || ch.conn != conn {
		g.clients[clientID] = &clientChannel{id: clientID, conn: conn, lastSeen: now, language: lang, version: version}
		changed = true
	} else {
		ch.lastSeen = now
	}
	for i := range cd.SubscriptionDataSet {
		sd := &cd.SubscriptionDataSet[i]
		old, ok := g.subs[sd.Topic]
		if ok && old.version >= sd.SubVersion && old.expr == sd.SubString {
			continue
		}
		if ok && old.expr == sd.SubString {
			old.version = sd.SubVersion
			continue
		}
		g.subs[sd.Topic] = newSubscription(sd.Topic, sd.SubString, sd.ExpressionType, sd.SubVersion)
		changed = true
	}
	return changed
}

// producerHeartbeat registers or refreshes clientID in producer group.
func (t *clientTable) producerHeartbeat(clientID string, conn *netpoll.Conn, group string, lang string, version int32, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.producers[group]
	if !ok {
		g = make(map[string]*clientChannel)
		t.producers[group] = g
	}
	g[clientID] = &clientChannel{id: clientID, conn: conn, lastSeen: now, language: lang, version: version}
}

// producerConn returns a live connection of the producer group, or nil
// (the one seen most recently).
func (t *clientTable) producerConn(group string) *netpoll.Conn {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var best *clientChannel
	for _, ch := range t.producers[group] {
		if !ch.conn.Closed() && (best == nil || ch.lastSeen.After(best.lastSeen)) {
			best = ch
		}
	}
	if best == nil {
		return nil
	}
	return best.conn
}

// dropProducersLocked removes producer channels matching drop; t.mu held.
func (t *clientTable) dropProducersLocked(drop func(*clientChannel) bool) {
	for name, g := range t.producers {
		for id, ch := range g {
			if drop(ch) {
				delete(g, id)
			}
		}
		if len(g) == 0 {
			delete(t.producers, name)
		}
	}
}

// unregister removes clientID from group ("" = every group) and returns the
// groups that changed.
func (t *clientTable) unregister(clientID, group string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var changed []string
	for name, g := range t.groups {
		if group != "" && name != group {
			continue
		}
		if _, ok := g.clients[clientID]; ok {
			delete(g.clients, clientID)
			changed = append(changed, name)
			t.dropEmptyLocked(g)
		}
	}
	return changed
}

// removeConn drops every channel of a closed connection and returns the
// groups that changed.
func (t *clientTable) removeConn(conn *netpoll.Conn) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dropProducersLocked(func(ch *clientChannel) bool { return ch.conn == conn })
	var changed []string
	for name, g := range t.groups {
		for id, ch := range g.clients {
			if ch.conn == conn {
				delete(g.clients, id)
				changed = appendOnce(changed, name)
			}
		}
		t.dropEmptyLocked(g)
	}
	return changed
}

// expire drops channels not seen since before and returns the changed groups.
func (t *clientTable) expire(before time.Time) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dropProducersLocked(func(ch *clientChannel) bool { return ch.lastSeen.Before(before) })
	var changed []string
	for name, g := range t.groups {
		for id, ch := range g.clients {
			if ch.lastSeen.Before(before) {
				delete(g.clients, id)
				changed = appendOnce(changed, name)
			}
		}
		t.dropEmptyLocked(g)
	}
	return changed
}

// dropEmptyLocked forgets a group without clients; t.mu must be held.
func (t *clientTable) dropEmptyLocked(g *consumerGroup) {
	if len(g.clients) == 0 {
		delete(t.groups, g.name)
	}
}

// ids returns the group's client ids, sorted.
func (t *clientTable) ids(group string) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g, ok := t.groups[group]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(g.clients))
	for id := range g.clients {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// conns returns the group's connections.
func (t *clientTable) conns(group string) []*netpoll.Conn {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g, ok := t.groups[group]
	if !ok {
		return nil
	}
	out := make([]*netpoll.Conn, 0, len(g.clients))
	for _, ch := range g.clients {
		out = append(out, ch.conn)
	}
	return out
}

// filter returns the group's subscription to topic, or nil.
func (t *clientTable) filter(group, topic string) *subscription {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if g, ok := t.groups[group]; ok {
		return g.subs[topic]
	}
	return nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
