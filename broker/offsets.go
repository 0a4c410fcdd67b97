package broker

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// offsetTable holds the committed consumer offsets (J4 ConsumerOffsetManager),
// persisted as config/consumerOffset.json every FlushConsumerOffsetInterval
// and at Close, in RocketMQ's layout {"offsetTable":{"topic@group":{"0":12}}}.
type offsetTable struct {
	mu      sync.RWMutex // guards table
	table   map[groupTopic]map[int32]int64
	persist *persister // immutable after loadConfigs
}

type groupTopic struct{ group, topic string }

func newOffsetTable() *offsetTable {
	return &offsetTable{table: make(map[groupTopic]map[int32]int64)}
}

// commit stores offset for group/topic/queue. The strings may alias a
// request: they are copied only when the key is new.
func (t *offsetTable) commit(group, topic string, queueID int32, offset int64) {
	k := groupTopic{group, topic}
	t.mu.Lock()
	m, ok := t.table[k]
	if !ok {
		m = make(map[int32]int64)
		t.table[groupTopic{strings.Clone(group), strings.Clone(topic)}] = m
	}
	m[queueID] = offset
	t.mu.Unlock()
	if t.persist != nil {
		t.persist.mark()
	}
}

// get returns the committed offset, or -1.
func (t *offsetTable) get(group, topic string, queueID int32) int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if off, ok := t.table[groupTopic{group, topic}][queueID]; ok {
		return off
	}
	return -1
}

// deleteTopic drops every group's offsets of topic.
func (t *offsetTable) deleteTopic(topic string) {
	t.mu.Lock()
	for k := range t.table {
		if k.topic == topic {
			delete(t.table, k)
		}
	}
	t.mu.Unlock()
	if t.persist != nil {
		t.persist.mark()
	}
}

type offsetFile struct {
	OffsetTable map[string]map[string]int64 `json:"offsetTable"`
}

func (t *offsetTable) load(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var f offsetFile
	if err := json.Unmarshal(quoteIntKeys(b), &f); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for key, queues := range f.OffsetTable {
		at := strings.LastIndexByte(key, '@')
		if at <= 0 {
			return fmt.Errorf("bad key %q", key)
		}
		m := make(map[int32]int64, len(queues))
		for q, off := range queues {
			id, err := strconv.ParseInt(q, 10, 32)
			if err != nil {
				return fmt.Errorf("bad queue id %q under %q", q, key)
			}
			m[int32(id)] = off
		}
		t.table[groupTopic{group: key[at+1:], topic: key[:at]}] = m
	}
	return nil
}

// encode is the persister's snapshot.
func (t *offsetTable) encode() []byte {
	f := offsetFile{OffsetTable: make(map[string]map[string]int64)}
	t.mu.RLock()
	for k, queues := range t.table {
		m := make(map[string]int64, len(queues))
		for q, off := range queues {
			m[strconv.Itoa(int(q))] = off
		}
		f.OffsetTable[k.topic+"@"+k.group] = m
	}
	t.mu.RUnlock()
	b, _ := json.MarshalIndent(&f, "", "\t") // maps of strings and ints cannot fail
	return b
}
