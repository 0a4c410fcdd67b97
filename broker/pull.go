package broker

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fastmq/fastmq/broker/internal/sqlfilter"
	"github.com/fastmq/fastmq/index"
	"github.com/fastmq/fastmq/mmapstore"
	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// Pull batch limits (J4 MessageStoreConfig: maxTransferCountOnMessageInMemory,
// maxTransferBytesOnMessageInMemory, maxFilterMessageSize / 20).
const (
	pullMaxCount      = 32
	pullMaxBytes      = 256 << 10
	pullMaxScan       = 800
	pullEntriesAtOnce = 64
)

// pullOp holds one pull's result: the views of the commit-log records that
// form the body, released after the vectored write.
type pullOp struct {
	b         *Broker
	resp      protocol.Command
	entries   []index.Entry
	views     []mmapstore.View
	bufs      [][]byte
	releaseFn func(error) // op.release, bound once
}

func (b *Broker) getPullOp() *pullOp {
	if op, ok := b.pullPool.Get().(*pullOp); ok {
		return op
	}
	op := &pullOp{b: b, entries: make([]index.Entry, 0, pullEntriesAtOnce)}
	op.releaseFn = op.release
	return op
}

// release drops the views once the reply is written (or failed) and
// returns op to the pool.
func (op *pullOp) release(error) {
	for i := range op.views {
		op.views[i].Release()
	}
	clear(op.views)
	op.views = op.views[:0]
	clear(op.bufs)
	op.bufs = op.bufs[:0]
	op.b.pullPool.Put(op)
}

// pullResult is what one pull found.
type pullResult struct {
	code                 protocol.ResponseCode
	next, minOff, maxOff int64
}

// pullArgs is the part of a pull request the store lookup needs; for a held
// pull its strings are owned copies.
type pullArgs struct {
	group, topic string
	queueID      int32
	offset       int64
	maxNums      int32
	filter       *subscription // nil: every message
}

// handlePull serves PULL_MESSAGE (11): consume-queue lookup, tag filter,
// body as commit-log slices written with writev; an empty result with the
// suspend flag is held until the queue grows or the hold times out.
func (b *Broker) handlePull(c *netpoll.Conn, req *protocol.Command) {
	var h protocol.PullMessageRequestHeader
	if err := h.Decode(req); err != nil {
		b.replyError(c, req, err)
		return
	}
	args, err := b.pullArgs(&h)
	if err != nil {
		b.replyError(c, req, err)
		return
	}
	if h.SysFlag&protocol.PullSysFlagCommitOffset != 0 && h.CommitOffset >= 0 {
		b.offsets.commit(h.ConsumerGroup, h.Topic, h.QueueID, h.CommitOffset)
	}
	if b.cold.offer(c, req, &args) {
		return
	}
	op := b.getPullOp()
	res := b.pull(op, &args)
	if res.code == protocol.RespPullNotFound && h.SysFlag&protocol.PullSysFlagSuspend != 0 && h.SuspendTimeoutMillis > 0 {
		op.release(nil)
		args.group, args.topic = strings.Clone(args.group), strings.Clone(args.topic)
		b.holds.add(c.Defer(req), args, h.SuspendTimeoutMillis)
		return
	}
	op.resp.InitResponseTo(req, res.code, res.code.String())
	res.encode(&op.resp)
	if len(op.bufs) == 0 {
		c.Reply(req, &op.resp)
		op.release(nil)
		return
	}
	c.ReplyVec(req, &op.resp, op.bufs, op.releaseFn)
}

// pullArgs checks the request against the topic table and finds the
// group's filter.
func (b *Broker) pullArgs(h *protocol.PullMessageRequestHeader) (pullArgs, error) {
	tc, ok := b.topics.get(h.Topic)
	if !ok {
		return pullArgs{}, fmt.Errorf("topic[%s] not exist, apply first please: %w", h.Topic, ErrTopicNotExist)
	}
	if tc.Perm&protocol.PermRead == 0 {
		return pullArgs{}, fmt.Errorf("pull from %s: %w", h.Topic, ErrTopicNoPermission)
	}
	if h.QueueID < 0 || h.QueueID >= tc.ReadQueueNums {
		return pullArgs{}, fmt.Errorf("pull from %s: queue %d of %d: %w", h.Topic, h.QueueID, tc.ReadQueueNums, ErrQueueID)
	}
	if b.groups.consumeDisabled(h.ConsumerGroup) {
		return pullArgs{}, fmt.Errorf("subscription group [%s] does not have consume permission: %w", h.ConsumerGroup, ErrTopicNoPermission)
	}
	a := pullArgs{group: h.ConsumerGroup, topic: h.Topic, queueID: h.QueueID, offset: h.QueueOffset, maxNums: h.MaxMsgNums}
	if h.SysFlag&protocol.PullSysFlagSubscription != 0 {
		a.filter = newSubscription(h.Topic, h.Subscription, h.ExpressionType, 0)
	} else {
		// Without a registered subscription (a pull racing the first
		// heartbeat after a restart) every message is sent: the Go client
		// filters tags again by their text. SQL92 is the exception: the
		// client does not filter it, so the pull waits for the heartbeat.
		a.filter = b.clients.filter(h.ConsumerGroup, h.Topic)
		if a.filter == nil && h.ExpressionType == protocol.ExpressionTypeSQL92 {
			return a, fmt.Errorf("pull from %s: no SQL92 filter data from a heartbeat of %s yet: %w", h.Topic, h.ConsumerGroup, ErrFilterDataNotExist)
		}
	}
	if a.filter != nil && a.filter.sql92 {
		switch {
		case !b.cfg.EnablePropertyFilter:
			return a, fmt.Errorf("The broker does not support consumer to filter message by SQL92 (enablePropertyFilter=false): %w", ErrBadRequest)
		case a.filter.sqlErr != nil:
			return a, fmt.Errorf("pull from %s: %w: %w", h.Topic, ErrSubscriptionParse, a.filter.sqlErr)
		}
	}
	if a.filter != nil && a.filter.all {
		a.filter = nil
	}
	return a, nil
}

// pull looks the request up in the store and collects the matching records
// into op (J4 DefaultMessageStore.getMessage). It never blocks.
func (b *Broker) pull(op *pullOp, a *pullArgs) pullResult {
	q := b.store.Queue(a.topic, a.queueID)
	if q == nil || q.MaxOffset() == 0 {
		if a.offset == 0 {
			return pullResult{code: protocol.RespPullNotFound}
		}
		return pullResult{code: protocol.RespPullOffsetMoved}
	}
	res := pullResult{minOff: q.MinOffset(), maxOff: q.MaxOffset()}
	switch {
	case a.offset < res.minOff:
		res.code, res.next = protocol.RespPullOffsetMoved, res.minOff
		return res
	case a.offset == res.maxOff:
		res.code, res.next = protocol.RespPullNotFound, a.offset
		return res
	case a.offset > res.maxOff:
		res.code, res.next = protocol.RespPullOffsetMoved, res.maxOff
		return res
	}
	maxNums := int(min(max(a.maxNums, 1), pullMaxCount))
	cq, bytes := a.offset, 0
	scanEnd := min(res.maxOff, a.offset+int64(max(pullMaxScan, maxNums)))
scan:
	for cq < scanEnd && len(op.bufs) < maxNums {
		entries, err := q.ReadEntries(op.entries[:0], cq, int(min(scanEnd-cq, pullEntriesAtOnce)))
		op.entries = entries[:0]
		if err != nil || len(entries) == 0 {
			break
		}
		for _, e := range entries {
			if e.Filler() || (a.filter != nil && a.filter.sql == nil && !a.filter.match(e.TagsCode)) {
				cq++
				continue
			}
			if len(op.bufs) > 0 && bytes+int(e.Size) > pullMaxBytes {
				break scan
			}
			v, err := b.clog.Read(e.PhyOffset)
			if err != nil { // removed by retention meanwhile
				cq++
				continue
			}
			if a.filter != nil && a.filter.sql != nil && !sqlMatch(a.filter.sql, v.Bytes()) {
				v.Release()
				cq++
				continue
			}
			op.views = append(op.views, v)
			op.bufs = append(op.bufs, v.Bytes())
			bytes += len(v.Bytes())
			cq++
			if len(op.bufs) >= maxNums {
				break scan
			}
		}
	}
	res.next = cq
	res.code = protocol.RespSuccess
	b.getCount.Add(int64(len(op.bufs)))
	b.pullBytes.Add(int64(bytes))
	if len(op.bufs) == 0 {
		res.code = protocol.RespPullRetryImmediately
		if cq == a.offset { // nothing readable at all
			res.code = protocol.RespPullNotFound
		}
	}
	return res
}

// encode writes the reply header: every field, always (a Go client reads a
// missing nextBeginOffset as 0).
func (r pullResult) encode(c *protocol.Command) {
	h := protocol.PullMessageResponseHeader{NextBeginOffset: r.next, MinOffset: r.minOff, MaxOffset: r.maxOff}
	h.Encode(c)
}

// replyPullLater answers a held pull from the hold service's goroutine.
func (b *Broker) replyPullLater(to netpoll.ReplyTo, a *pullArgs) {
	op := b.getPullOp()
	res := b.pull(op, a)
	op.resp.InitResponse(res.code, res.code.String())
	res.encode(&op.resp)
	if len(op.bufs) == 0 {
		if err := to.Reply(&op.resp); err != nil && !errors.Is(err, netpoll.ErrConnClosed) {
			b.log.Debug("held pull reply failed", "err", err)
		}
		op.release(nil)
		return
	}
	to.ReplyVec(&op.resp, op.bufs, op.releaseFn)
}

// subscription is one group's subscription to one topic, immutable once
// built (replaced whole on change).
type subscription struct {
	topic, expr string
	all         bool
	codes       []int64 // tag hash codes, sign-extended like consume-queue tags codes
	tags        []string
	version     int64
	sql92       bool              // an SQL92 expression (expressionType SQL92)
	sql         *sqlfilter.Filter // compiled SQL92 expression, nil if sqlErr
	sqlErr      error
}

// match reports whether a consume-queue tags code passes the filter.
func (s *subscription) match(tagsCode int64) bool {
	for _, c := range s.codes {
		if c == tagsCode {
			return true
		}
	}
	return false
}

// newSubscription builds a subscription of either expression type.
func newSubscription(topic, expr, exprType string, version int64) *subscription {
	if exprType != protocol.ExpressionTypeSQL92 {
		return parseSubscription(topic, expr, version)
	}
	s := &subscription{topic: strings.Clone(topic), expr: strings.Clone(expr), version: version, sql92: true}
	s.sql, s.sqlErr = sqlfilter.Compile(s.expr)
	return s
}

// sqlMatch evaluates an SQL92 filter over a stored record's properties.
func sqlMatch(f *sqlfilter.Filter, rec []byte) bool {
	var m protocol.StoredMessage
	if protocol.DecodeStoredMessage(rec, &m) != nil {
		return false
	}
	return f.Match(func(name string) (string, bool) {
		v, ok := protocol.PropertyValue(m.Properties, name)
		return stringOf(v), ok
	})
}

// parseSubscription builds a TAG subscription from its expression
// ("*", "", "a || b").
func parseSubscription(topic, expr string, version int64) *subscription {
	s := &subscription{topic: strings.Clone(topic), expr: strings.Clone(expr), version: version}
	if t := strings.TrimSpace(expr); t == "" || t == protocol.SubAll {
		s.all = true
		return s
	}
	for _, tag := range strings.Split(expr, "||") {
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		s.tags = append(s.tags, tag)
		s.codes = append(s.codes, int64(protocol.JavaStringHash([]byte(tag))))
	}
	s.all = len(s.tags) == 0
	return s
}
