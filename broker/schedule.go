package broker

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/protocol"
)

// scheduleService delivers delay-level messages (J4 ScheduleMessageService).
// A message with DELAY=n is stored in SCHEDULE_TOPIC_XXXX queue n-1; its
// consume-queue tags code is its delivery time (tagsCode). The service reads
// each level's queue from its saved offset and, once an entry is due,
// rewrites the message to REAL_TOPIC/REAL_QID and appends it. Offsets per
// level are saved in config/delayOffset.json every FlushDelayOffsetInterval
// and at Close.
//
// Goroutine owned: run (pprof label broker=schedule), started by start,
// stopped and awaited by close. It is the only appender that blocks (on a
// mmapstore.Waiter), which it may: it is not an event loop.
type scheduleService struct {
	b      *Broker
	path   string
	loop                     // signal, stop, done: see loop.go
	waiter *mmapstore.Waiter // owned by run

	mu      sync.Mutex // guards offsets
	offsets map[int32]int64
}

func newScheduleService(b *Broker) *scheduleService {
	return &scheduleService{b: b, loop: newLoop(),
		waiter: mmapstore.NewWaiter(), offsets: make(map[int32]int64)}
}

type delayOffsetFile struct {
	OffsetTable map[string]int64 `json:"offsetTable"`
}

// load reads delayOffset.json ({"offsetTable":{1:5}} from Java, keys
// quoted from us).
func (s *scheduleService) load(path string) error {
	s.path = path
	data, err := readConfigFile(path)
	if err != nil || len(data) == 0 {
		return err
	}
	var f delayOffsetFile
	if err := json.Unmarshal(quoteIntKeys(data), &f); err != nil {
		return fmt.Errorf("broker: load %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range f.OffsetTable {
		level, err := strconv.ParseInt(k, 10, 32)
		if err != nil {
			return fmt.Errorf("broker: load %s: bad level %q", path, k)
		}
		s.offsets[int32(level)] = v
	}
	return nil
}

// persist writes delayOffset.json atomically.
func (s *scheduleService) persist() error {
	return writeFileAtomic(s.path, s.encode())
}

// encode returns delayOffset.json's body.
func (s *scheduleService) encode() []byte {
	f := delayOffsetFile{OffsetTable: make(map[string]int64)}
	s.mu.Lock()
	for k, v := range s.offsets {
		f.OffsetTable[strconv.Itoa(int(k))] = v
	}
	s.mu.Unlock()
	data, _ := json.MarshalIndent(&f, "", "\t") // a map of ints cannot fail
	return data
}

// tagsCode is the index's TagsCode hook: a schedule entry's tags code is its
// delivery time (store time + level delay).
func (b *Broker) tagsCode(m *protocol.StoredMessage, def int64) int64 {
	if string(m.Topic) != TopicSchedule {
		return def
	}
	level := int(m.QueueID)
	if level < 0 || level >= len(b.levels) {
		return m.StoreTimestamp
	}
	return m.StoreTimestamp + b.levels[level].Milliseconds()
}

func (s *scheduleService) startLoop() { s.start("schedule", s.run) }

func (s *scheduleService) run() {
	defer close(s.done)
	timer := time.NewTimer(time.Millisecond)
	defer timer.Stop()
	save := time.NewTicker(s.b.cfg.FlushDelayOffsetInterval)
	defer save.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-s.signal:
		case <-timer.C:
		case <-save.C:
			if err := s.persist(); err != nil {
				s.b.log.Error("persist delay offsets", "err", err)
			}
			continue
		}
		wait := s.deliverDue(time.Now().UnixMilli())
		timer.Reset(wait)
	}
}

// deliverDue delivers every due message of every level and returns how long
// to sleep until the next one is due (at most 1 s).
func (s *scheduleService) deliverDue(now int64) time.Duration {
	wait := time.Second
	for level := int32(1); level <= int32(len(s.b.levels)); level++ {
		select {
		case <-s.stop:
			return wait
		default:
		}
		if w := s.deliverLevel(level, now); w < wait {
			wait = w
		}
	}
	return max(wait, time.Millisecond)
}

// deliverLevel delivers the due messages of one level.
func (s *scheduleService) deliverLevel(level int32, now int64) time.Duration {
	q := s.b.store.Queue(TopicSchedule, level-1)
	if q == nil {
		return time.Second
	}
	s.mu.Lock()
	off := s.offsets[level]
	s.mu.Unlock()
	off = max(off, q.MinOffset())
	wait := time.Second
	for maxOff := q.MaxOffset(); off < maxOff; off++ {
		e, err := q.Entry(off)
		if err != nil {
			break
		}
		if e.TagsCode > now {
			wait = time.Duration(e.TagsCode-now) * time.Millisecond
			break
		}
		if err := s.deliver(e.PhyOffset); err != nil {
			s.b.log.Warn("deliver delayed message; retrying", "level", level, "offset", off, "err", err)
			wait = 100 * time.Millisecond
			break
		}
	}
	s.mu.Lock()
	s.offsets[level] = off
	s.mu.Unlock()
	return wait
}

// deliver rewrites the schedule message at phyOffset to its real topic and
// queue and appends it, waiting for the store's completion.
func (s *scheduleService) deliver(phyOffset int64) error {
	v, err := s.b.clog.Read(phyOffset)
	if err != nil {
		if err == mmapstore.ErrDeleted || err == mmapstore.ErrOffsetRange {
			return nil // gone by retention: nothing to deliver
		}
		return err
	}
	defer v.Release()
	var m protocol.StoredMessage
	if err := protocol.DecodeStoredMessage(v.Bytes(), &m); err != nil {
		s.b.log.Error("undecodable schedule message dropped", "offset", phyOffset, "err", err)
		return nil
	}
	topic, ok := protocol.PropertyValue(m.Properties, protocol.PropertyRealTopic)
	qidText, ok2 := protocol.PropertyValue(m.Properties, protocol.PropertyRealQueueID)
	qid, ok3 := atoi32(qidText)
	if !ok || !ok2 || !ok3 {
		s.b.log.Error("schedule message without REAL_TOPIC/REAL_QID dropped", "offset", phyOffset)
		return nil
	}
	props := appendProps(nil, m.Properties, propsRewrite{drop1: protocol.PropertyDelayTimeLevel})
	out := protocol.StoredMessage{QueueID: qid, Flag: m.Flag, SysFlag: m.SysFlag, BornTimestamp: m.BornTimestamp,
		BornHost: m.BornHost, StoreHost: s.b.storeHost, ReconsumeTimes: m.ReconsumeTimes, Body: m.Body,
		Topic: topic, Properties: props}
	out.SysFlag = out.SysFlag&^protocol.SysFlagStoreHostV6 | s.b.hostFlags
	if tc, ok := s.b.topics.get(string(topic)); ok && qid >= tc.WriteQueueNums && tc.WriteQueueNums > 0 {
		out.QueueID = qid % tc.WriteQueueNums
	}
	n := int64(out.Size())
	s.b.backlog.add(n)
	defer s.b.backlog.done(n)
	if err := s.b.clog.Append(&out, s.waiter.Done()); err != nil {
		return err
	}
	if err := s.waiter.Wait(); err != nil && err != mmapstore.ErrFlushTimeout {
		return err
	}
	return nil
}
