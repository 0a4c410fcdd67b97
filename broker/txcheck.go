package broker

import (
	"strconv"
	"time"

	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/protocol"
)

// txChecker asks producers about half messages left unresolved
// (J4 TransactionalMessageCheckService): every TransactionCheckInterval it
// reads the op records written since its last run, walks the half queue
// from its saved offset, and for each half message older than
// TransactionTimeOut and not resolved sends CHECK_TRANSACTION_STATE to a
// live producer of the message's group (PGROUP). After TransactionCheckMax
// checks a message is given up. Its progress over both queues is kept as
// the committed offsets of group CID_RMQ_SYS_TRANS (so consumerOffset.json
// persists it).
//
// Rejected simpler design: J4 re-appends a checked half message to the end
// of the half queue so that its offset can advance; here the offset stays
// at the oldest unresolved message and the check counts live in memory
// (a restart resets them, so a message may be checked up to twice as often).
//
// Goroutine owned: run (pprof label broker=tx-check), started by start,
// stopped and awaited by close.
type txChecker struct {
	b    *Broker
	loop // stop, done: see loop.go (signal unused: it runs on a ticker)
	// Owned by run.
	checks   map[int64]int  // half queue offset → checks sent
	resolved map[int64]bool // half queue offsets with an op record
}

func newTxChecker(b *Broker) *txChecker {
	return &txChecker{b: b, loop: newLoop(),
		checks: make(map[int64]int), resolved: make(map[int64]bool)}
}

func (x *txChecker) startLoop() { x.start("tx-check", x.run) }

func (x *txChecker) run() {
	defer close(x.done)
	t := time.NewTicker(x.b.cfg.TransactionCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-x.stop:
			return
		case now := <-t.C:
			x.check(now)
		}
	}
}

// maxChecksPerRun bounds the half messages one run examines.
const maxChecksPerRun = 10000

// check runs one pass.
func (x *txChecker) check(now time.Time) {
	b := x.b
	hq := b.store.Queue(TopicTransHalf, 0)
	if hq == nil {
		return
	}
	halfOff := max(b.offsets.get(transGroup, TopicTransHalf, 0), hq.MinOffset())
	ops := x.readOps(halfOff)
	for off := halfOff; off < hq.MaxOffset() && off < halfOff+maxChecksPerRun; off++ {
		if x.resolved[off] {
			continue
		}
		m, ok := x.half(hq, off)
		if !ok {
			x.resolved[off] = true // gone or unreadable: nothing to resolve
			continue
		}
		if now.Sub(time.UnixMilli(m.storeTime)) < b.cfg.TransactionTimeOut {
			break // younger ones follow
		}
		if x.checks[off] >= b.cfg.TransactionCheckMax {
			b.log.Warn("transaction never resolved; half message given up", "halfOffset", off, "group", m.group)
			x.resolved[off] = true
			continue
		}
		x.checks[off]++
		x.sendCheck(m)
	}
	newHalf := halfOff
	for x.resolved[newHalf] {
		delete(x.resolved, newHalf)
		delete(x.checks, newHalf)
		newHalf++
	}
	if newHalf != halfOff {
		b.offsets.commit(transGroup, TopicTransHalf, 0, newHalf)
	}
	opOff, n := max(b.offsets.get(transGroup, TopicTransOp, 0), 0), 0
	for n < len(ops) && ops[n] < newHalf {
		n++
	}
	if n > 0 {
		b.offsets.commit(transGroup, TopicTransOp, 0, opOff+int64(n))
	}
}

// readOps reads the op records from the saved op offset, marks the half
// offsets they resolve, and returns those offsets in op-queue order.
func (x *txChecker) readOps(halfOff int64) []int64 {
	b := x.b
	oq := b.store.Queue(TopicTransOp, 0)
	if oq == nil {
		return nil
	}
	var out []int64
	start := max(b.offsets.get(transGroup, TopicTransOp, 0), oq.MinOffset())
	for off := start; off < oq.MaxOffset(); off++ {
		e, err := oq.Entry(off)
		if err != nil {
			break
		}
		half := int64(-1)
		if v, err := b.clog.Read(e.PhyOffset); err == nil {
			var m protocol.StoredMessage
			if protocol.DecodeStoredMessage(v.Bytes(), &m) == nil {
				half, _ = strconv.ParseInt(string(m.Body), 10, 64)
			}
			v.Release()
		}
		out = append(out, half)
		if half >= halfOff {
			x.resolved[half] = true
		}
	}
	return out
}

// halfInfo is what a check needs of a half message.
type halfInfo struct {
	phyOffset, storeTime int64
	group                string
}

// half reads the half message at a half-queue offset.
func (x *txChecker) half(q *index.ConsumeQueue, off int64) (halfInfo, bool) {
	e, err := q.Entry(off)
	if err != nil {
		return halfInfo{}, false
	}
	v, err := x.b.clog.Read(e.PhyOffset)
	if err != nil {
		return halfInfo{}, false
	}
	defer v.Release()
	var m protocol.StoredMessage
	if protocol.DecodeStoredMessage(v.Bytes(), &m) != nil {
		return halfInfo{}, false
	}
	pg, _ := protocol.PropertyValue(m.Properties, protocol.PropertyProducerGroup)
	return halfInfo{phyOffset: e.PhyOffset, storeTime: m.StoreTimestamp, group: string(pg)}, true
}

// sendCheck sends CHECK_TRANSACTION_STATE for a half message to a producer
// of its group; the body is the message as it will be delivered (real topic
// and queue).
func (x *txChecker) sendCheck(h halfInfo) {
	b := x.b
	conn := b.clients.producerConn(h.group)
	if conn == nil {
		b.log.Debug("no producer online to check a transaction", "group", h.group)
		return
	}
	v, err := b.clog.Read(h.phyOffset)
	if err != nil {
		return
	}
	var m protocol.StoredMessage
	if protocol.DecodeStoredMessage(v.Bytes(), &m) != nil {
		v.Release()
		return
	}
	hdr := protocol.CheckTransactionStateRequestHeader{TranStateTableOffset: m.QueueOffset, CommitLogOffset: m.PhysicalOffset,
		OffsetMsgID: string(protocol.AppendOffsetMsgID(nil, m.StoreHost, m.PhysicalOffset))}
	if u, ok := protocol.PropertyValue(m.Properties, protocol.PropertyUniqKey); ok {
		hdr.MsgID, hdr.TransactionID = string(u), string(u)
	}
	if t, ok := protocol.PropertyValue(m.Properties, protocol.PropertyTransactionID); ok {
		hdr.TransactionID = string(t)
	}
	if t, ok := protocol.PropertyValue(m.Properties, protocol.PropertyRealTopic); ok {
		m.Topic = t
	}
	if q, ok := protocol.PropertyValue(m.Properties, protocol.PropertyRealQueueID); ok {
		m.QueueID, _ = atoi32(q)
	}
	m.Magic = 0
	req := protocol.NewRequest(protocol.ReqCheckTransactionState)
	hdr.Encode(req)
	req.Body = protocol.AppendStoredMessage(nil, &m)
	v.Release()
	if err := conn.Send(req); err != nil {
		b.log.Debug("send transaction check", "group", h.group, "err", err)
	}
}
