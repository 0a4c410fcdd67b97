package broker

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// GroupConfig is a subscription group's configuration
// (J4 SubscriptionGroupConfig; JSON names as Java writes them).
type GroupConfig struct {
	GroupName                      string `json:"groupName"`
	ConsumeEnable                  bool   `json:"consumeEnable"`
	ConsumeFromMinEnable           bool   `json:"consumeFromMinEnable"`
	ConsumeBroadcastEnable         bool   `json:"consumeBroadcastEnable"`
	RetryQueueNums                 int32  `json:"retryQueueNums"`
	RetryMaxTimes                  int32  `json:"retryMaxTimes"`
	BrokerID                       int64  `json:"brokerId"`
	WhichBrokerWhenConsumeSlowly   int64  `json:"whichBrokerWhenConsumeSlowly"`
	NotifyConsumerIdsChangedEnable bool   `json:"notifyConsumerIdsChangedEnable"`
}

func defaultGroupConfig(name string) GroupConfig {
	return GroupConfig{GroupName: strings.Clone(name), ConsumeEnable: true, ConsumeFromMinEnable: true,
		ConsumeBroadcastEnable: true, RetryQueueNums: 1, RetryMaxTimes: DefaultMaxReconsumeTimes,
		WhichBrokerWhenConsumeSlowly: 1, NotifyConsumerIdsChangedEnable: true}
}

// groupTable is the subscription-group table (J4 SubscriptionGroupManager),
// persisted as config/subscriptionGroup.json.
type groupTable struct {
	autoCreate bool
	mu         sync.RWMutex // guards groups and version
	groups     map[string]GroupConfig
	version    protocol.DataVersion
	persist    *persister
}

func newGroupTable(autoCreate bool) *groupTable {
	return &groupTable{autoCreate: autoCreate, groups: make(map[string]GroupConfig),
		version: protocol.DataVersion{Timestamp: time.Now().UnixMilli()}}
}

// ensure returns the group's config, creating it when auto-creation is on.
func (t *groupTable) ensure(name string) (GroupConfig, bool) {
	t.mu.RLock()
	g, ok := t.groups[name]
	t.mu.RUnlock()
	if ok || !t.autoCreate {
		return g, ok
	}
	t.mu.Lock()
	if g, ok = t.groups[name]; !ok {
		g = defaultGroupConfig(name)
		t.groups[g.GroupName] = g
		t.version.Timestamp = time.Now().UnixMilli()
		t.version.Counter++
	}
	t.mu.Unlock()
	if t.persist != nil {
		t.persist.mark()
	}
	return g, true
}

type groupFile struct {
	SubscriptionGroupTable map[string]GroupConfig `json:"subscriptionGroupTable"`
	DataVersion            struct {
		Timestamp int64 `json:"timestamp"`
		Counter   int64 `json:"counter"`
	} `json:"dataVersion"`
}

func (t *groupTable) load(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var f groupFile
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for name, g := range f.SubscriptionGroupTable {
		if g.GroupName == "" {
			g.GroupName = name
		}
		t.groups[name] = g
	}
	if f.DataVersion.Timestamp > 0 {
		t.version = protocol.DataVersion{Timestamp: f.DataVersion.Timestamp, Counter: f.DataVersion.Counter}
	}
	return nil
}

// encode is the persister's snapshot (and the GET_ALL_SUBSCRIPTIONGROUP_CONFIG body).
func (t *groupTable) encode() []byte {
	var f groupFile
	t.mu.RLock()
	f.SubscriptionGroupTable = make(map[string]GroupConfig, len(t.groups))
	for k, v := range t.groups {
		f.SubscriptionGroupTable[k] = v
	}
	f.DataVersion.Timestamp, f.DataVersion.Counter = t.version.Timestamp, t.version.Counter
	t.mu.RUnlock()
	b, _ := json.MarshalIndent(&f, "", "\t") // plain structs cannot fail
	return b
}

func (t *groupTable) len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.groups)
}

// consumeDisabled reports whether the group exists with consumeEnable=false.
func (t *groupTable) consumeDisabled(name string) bool {
	t.mu.RLock()
	g, ok := t.groups[name]
	t.mu.RUnlock()
	return ok && !g.ConsumeEnable
}

// put adds or replaces a group's configuration.
func (t *groupTable) put(g GroupConfig) {
	t.mu.Lock()
	t.groups[g.GroupName] = g
	t.version.Timestamp = time.Now().UnixMilli()
	t.version.Counter++
	t.mu.Unlock()
	if t.persist != nil {
		t.persist.mark()
	}
}

// delete removes a group and reports whether it existed.
func (t *groupTable) delete(name string) bool {
	t.mu.Lock()
	_, ok := t.groups[name]
	if ok {
		delete(t.groups, name)
		t.version.Timestamp = time.Now().UnixMilli()
		t.version.Counter++
	}
	t.mu.Unlock()
	if ok && t.persist != nil {
		t.persist.mark()
	}
	return ok
}
