package broker

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// Well-known topic names (wire-protocol.md Appendix B).
const (
	TopicAutoCreate = "TBW102"
	TopicSchedule   = "SCHEDULE_TOPIC_XXXX"
	RetryPrefix     = "%RETRY%"
	DLQPrefix       = "%DLQ%"
)

// notSendable are the system topics a producer may not write
// (J4 TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET).
var notSendable = map[string]bool{
	TopicSchedule: true, "RMQ_SYS_TRANS_HALF_TOPIC": true, "RMQ_SYS_TRANS_OP_HALF_TOPIC": true,
	"TRANS_CHECK_MAX_TIME_TOPIC": true, "SELF_TEST_TOPIC": true, "OFFSET_MOVED_EVENT": true,
}

// topicTable is the broker's topic configuration (J4 TopicConfigManager),
// persisted as config/topics.json in RocketMQ's layout by a persister.
type topicTable struct {
	mu      sync.RWMutex // guards topics and version
	topics  map[string]protocol.TopicConfig
	version protocol.DataVersion
	persist *persister // immutable after newTopicTable
}

func newTopicTable() *topicTable {
	return &topicTable{topics: make(map[string]protocol.TopicConfig),
		version: protocol.DataVersion{Timestamp: time.Now().UnixMilli()}}
}

// load reads a topics.json body (TopicConfigSerializeWrapper JSON).
func (t *topicTable) load(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	w, err := protocol.DecodeTopicConfigSerializeWrapper(b)
	if err != nil {
		return fmt.Errorf("broker: topics.json: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for name, c := range w.TopicConfigTable {
		t.topics[name] = c
	}
	if w.DataVersion.Timestamp > 0 {
		t.version = w.DataVersion
	}
	return nil
}

// get returns the configuration of topic.
func (t *topicTable) get(topic string) (protocol.TopicConfig, bool) {
	t.mu.RLock()
	c, ok := t.topics[topic]
	t.mu.RUnlock()
	return c, ok
}

// put adds or replaces a topic and reports whether anything changed.
func (t *topicTable) put(c protocol.TopicConfig) bool {
	t.mu.Lock()
	old, ok := t.topics[c.TopicName]
	changed := !ok || old != c
	if changed {
		t.topics[c.TopicName] = c
		t.bumpLocked()
	}
	t.mu.Unlock()
	if changed && t.persist != nil {
		t.persist.mark()
	}
	return changed
}

// ensure creates topic with c unless it exists, returning the stored config
// and whether it was created.
func (t *topicTable) ensure(c protocol.TopicConfig) (protocol.TopicConfig, bool) {
	t.mu.Lock()
	if old, ok := t.topics[c.TopicName]; ok {
		t.mu.Unlock()
		return old, false
	}
	c.TopicName = strings.Clone(c.TopicName)
	t.topics[c.TopicName] = c
	t.bumpLocked()
	t.mu.Unlock()
	if t.persist != nil {
		t.persist.mark()
	}
	return c, true
}

// delete removes topic and reports whether it existed.
func (t *topicTable) delete(topic string) bool {
	t.mu.Lock()
	_, ok := t.topics[topic]
	if ok {
		delete(t.topics, topic)
		t.bumpLocked()
	}
	t.mu.Unlock()
	if ok && t.persist != nil {
		t.persist.mark()
	}
	return ok
}

// bumpLocked advances the data version; t.mu must be held.
func (t *topicTable) bumpLocked() {
	t.version.Timestamp = time.Now().UnixMilli()
	t.version.Counter++
}

// wrapper returns a copy of the table with its version.
func (t *topicTable) wrapper() protocol.TopicConfigSerializeWrapper {
	t.mu.RLock()
	defer t.mu.RUnlock()
	w := protocol.TopicConfigSerializeWrapper{TopicConfigTable: make(map[string]protocol.TopicConfig, len(t.topics)),
		DataVersion: t.version}
	for k, v := range t.topics {
		w.TopicConfigTable[k] = v
	}
	return w
}

// encode is the persister's snapshot: topics.json.
func (t *topicTable) encode() []byte {
	w := t.wrapper()
	return protocol.AppendTopicConfigSerializeWrapper(nil, &w)
}
