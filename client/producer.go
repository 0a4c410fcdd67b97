package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/fastmq/fastmq/protocol"
)

// Producer sends messages: synchronously (Send, SendBatch), pipelined
// without waiting (SendAsync) or without an answer (SendOneway). Safe for
// concurrent use.
//
// Goroutines it owns, started by Start and stopped and awaited by
// Shutdown: the instance's route refresher and heartbeat sender, and one
// short-lived goroutine per SendAsync that must retry (or fails before its
// request is sent), counted in asyncWG.
type Producer struct {
	cfg   producerConfig // immutable after NewProducer
	in    *instance
	uniq  *uniqGen
	fault *faultTolerance // nil when fault avoidance is off
	bufs  sync.Pool       // *sendBuf
	// asyncs recycles *asyncSend: each is back once its done returned.
	asyncs sync.Pool

	state atomic.Int32 // stateNew, stateStarted, stateClosed
	// asyncMu: SendAsync holds it shared from its state check until its
	// send is counted in asyncWG (waiting for room in asyncSem, which
	// completions free without the lock); Shutdown takes it exclusively
	// once, after it set stateClosed, so that no SendAsync is counted after
	// it starts waiting on asyncWG.
	asyncMu  sync.RWMutex
	asyncSem chan struct{} // one token per SendAsync in flight; cap asyncQueue
	asyncWG  sync.WaitGroup
}

const (
	stateNew int32 = iota
	stateStarted
	stateClosed
)

// NewProducer returns a producer; Start connects it.
func NewProducer(opts ...ProducerOption) (*Producer, error) {
	cfg := defaultProducerConfig()
	for _, o := range opts {
		o.applyProducer(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &Producer{cfg: cfg}
	p.in = newInstance(&p.cfg.common, nil)
	p.in.mastersOnly = true
	p.in.heartbeat = p.heartbeatData
	p.uniq = newUniqGen(p.in.ip, os.Getpid())
	if cfg.faultAvoidance {
		p.fault = newFaultTolerance(p.cfg.clock)
	}
	p.bufs.New = func() any { return new(sendBuf) }
	p.asyncs.New = func() any {
		a := &asyncSend{p: p}
		a.onResponse = a.onFirstResponse // bound once: no closure per send
		return a
	}
	p.asyncSem = make(chan struct{}, cfg.asyncQueue)
	return p, nil
}

// Start starts the route and heartbeat loops.
func (p *Producer) Start() error {
	if !p.state.CompareAndSwap(stateNew, stateStarted) {
		return ErrClosed
	}
	p.in.start(p.cfg.routeRefresh, p.cfg.heartbeatInterval)
	return nil
}

// Shutdown refuses new sends, waits for the SendAsync calls in flight to
// run their done (each is bounded by the request timeout per attempt),
// stops every goroutine and closes the connections. Safe to call twice.
func (p *Producer) Shutdown() error {
	switch p.state.Swap(stateClosed) {
	case stateClosed:
		return nil
	case stateStarted:
		// A barrier: once we hold asyncMu, no SendAsync is between its
		// state check and asyncWG.Add.
		p.asyncMu.Lock()
		p.asyncMu.Unlock()
		p.asyncWG.Wait()
	}
	return p.in.close()
}

// ClientID returns the id brokers know this producer by.
func (p *Producer) ClientID() string { return p.in.id }

func (p *Producer) heartbeatData() protocol.HeartbeatData {
	return protocol.HeartbeatData{
		ClientID:        p.in.id,
		ProducerDataSet: []protocol.ProducerData{{GroupName: p.cfg.group}},
	}
}

// Send sends m and waits for the broker's answer. Without a selector it
// picks a queue round robin, avoiding slow or failing brokers, and on a
// failure retries up to WithRetryTimes more times, on another broker when
// there is one. With a selector (WithQueueSelector) it makes one attempt.
func (p *Producer) Send(ctx context.Context, m *Message) (SendResult, error) {
	return p.send(ctx, m, p.cfg.selector, p.cfg.retryTimes)
}

// SendWithSelector is Send through selector for this message (ordered
// messages: HashSelector keeps one key on one queue); one attempt.
func (p *Producer) SendWithSelector(ctx context.Context, m *Message, selector QueueSelector) (SendResult, error) {
	return p.send(ctx, m, selector, 0)
}

// SendTo sends m to queue mq, which must be one of the topic's writable
// queues (ErrNoQueue otherwise); one attempt.
func (p *Producer) SendTo(ctx context.Context, m *Message, mq MessageQueue) (SendResult, error) {
	if err := p.checkMessage(m); err != nil {
		return SendResult{}, err
	}
	tr, err := p.route(ctx, m.Topic)
	if err != nil {
		return SendResult{}, err
	}
	if !slices.Contains(tr.publish, mq) {
		return SendResult{}, fmt.Errorf("%w: %s has no writable queue %s:%d", ErrNoQueue, m.Topic, mq.BrokerName, mq.QueueID)
	}
	return p.send(ctx, m, SelectorFunc(func(_ *Message, qs []MessageQueue) int { return slices.Index(qs, mq) }), 0)
}

// SendOneway sends m without waiting for an answer (oneway flag set): one
// attempt, and no way to know whether it was stored.
func (p *Producer) SendOneway(ctx context.Context, m *Message) error {
	if err := p.checkMessage(m); err != nil {
		return err
	}
	tr, err := p.route(ctx, m.Topic)
	if err != nil {
		return err
	}
	b := p.getBuf()
	defer p.bufs.Put(b)
	now := p.cfg.clock()
	id := p.uniq.Next(now)
	if err := p.encodeMessage(b, m, id[:]); err != nil {
		return err
	}
	mq := p.choose(tr, m, p.cfg.selector, "")
	addr, ok := p.in.routes.masterAddr(mq.BrokerName)
	if !ok {
		return fmt.Errorf("%w: %s", ErrBrokerNotFound, mq.BrokerName)
	}
	p.fillSendCommand(b, m, mq, now)
	return p.in.rpc.oneway(ctx, addr, &b.cmd)
}

func (p *Producer) checkMessage(m *Message) error {
	switch {
	case p.state.Load() != stateStarted:
		if p.state.Load() == stateNew {
			return ErrNotStarted
		}
		return ErrClosed
	case protocol.ValidateTopic(unsafe.Slice(unsafe.StringData(m.Topic), len(m.Topic))) != nil:
		return fmt.Errorf("%w: %q", ErrInvalidTopic, m.Topic)
	case len(m.Body) > p.cfg.maxMessageBytes:
		return fmt.Errorf("%w: %d bytes, limit %d", ErrMessageTooLarge, len(m.Body), p.cfg.maxMessageBytes)
	case !validProperties(m):
		return ErrInvalidProperty
	}
	return nil
}

// route returns the topic's route with at least one writable queue.
func (p *Producer) route(ctx context.Context, topic string) (*topicRoute, error) {
	tr, err := p.in.routes.lookupForSend(ctx, topic)
	if err != nil {
		return nil, err
	}
	if len(tr.publish) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoQueue, topic)
	}
	return tr, nil
}

func (p *Producer) send(ctx context.Context, m *Message, sel QueueSelector, retries int) (SendResult, error) {
	if err := p.checkMessage(m); err != nil {
		return SendResult{}, err
	}
	tr, err := p.route(ctx, m.Topic)
	if err != nil {
		return SendResult{}, err
	}
	b := p.getBuf()
	defer p.bufs.Put(b)
	id := p.uniq.Next(p.cfg.clock())
	if err := p.encodeMessage(b, m, id[:]); err != nil {
		return SendResult{}, err
	}
	return p.attempts(ctx, tr, b, m, sel, retries, id)
}

// attempts runs up to 1+retries attempts of the encoded message in b.
func (p *Producer) attempts(ctx context.Context, tr *topicRoute, b *sendBuf, m *Message, sel QueueSelector, retries int, id UniqID) (SendResult, error) {
	return p.attemptsAfter(ctx, tr, b, m, sel, retries, id, "")
}

// attemptsAfter is attempts after a failed attempt on lastBroker ("" for
// none), which the first attempt avoids when it can.
func (p *Producer) attemptsAfter(ctx context.Context, tr *topicRoute, b *sendBuf, m *Message, sel QueueSelector, retries int, id UniqID, lastBroker string) (SendResult, error) {
	var last error
	for attempt := 0; attempt <= retries; attempt++ {
		if ctx.Err() != nil {
			break
		}
		mq := p.choose(tr, m, sel, lastBroker)
		lastBroker = mq.BrokerName
		res, err, retriable := p.attempt(ctx, b, m, mq)
		if err == nil {
			res.MsgID = id
			return res, nil
		}
		last = err
		if !retriable {
			break
		}
		if attempt < retries { // the broker may have moved: refresh before the next try
			if fresh, err := p.in.routes.update(ctx, m.Topic); err == nil && len(fresh.publish) > 0 {
				tr = fresh
			}
		}
	}
	if last == nil {
		last = ctx.Err()
	}
	return SendResult{}, last
}

// choose picks the queue for one attempt.
func (p *Producer) choose(tr *topicRoute, m *Message, sel QueueSelector, lastBroker string) MessageQueue {
	if sel == nil {
		return pickQueue(tr, p.fault, lastBroker)
	}
	i := sel.Select(m, tr.publish)
	n := len(tr.publish)
	i %= n
	if i < 0 {
		i += n
	}
	return tr.publish[i]
}

// attempt sends once to mq and reports whether a failure may be retried.
func (p *Producer) attempt(ctx context.Context, b *sendBuf, m *Message, mq MessageQueue) (SendResult, error, bool) {
	addr, ok := p.in.routes.masterAddr(mq.BrokerName)
	if !ok {
		return SendResult{}, fmt.Errorf("%w: %s", ErrBrokerNotFound, mq.BrokerName), true
	}
	start := p.cfg.clock()
	p.fillSendCommand(b, m, mq, start)
	resp, err := p.in.rpc.invoke(ctx, addr, &b.cmd, 0)
	latency := p.cfg.clock().Sub(start)
	if err != nil {
		p.reportFault(mq.BrokerName, latency, true)
		return SendResult{}, fmt.Errorf("client: send to %s (%s): %w", addr, mq.BrokerName, err), true
	}
	res, err := parseSendResponse(resp, mq, addr)
	if err != nil {
		p.reportFault(mq.BrokerName, latency, true)
		var be *BrokerError
		return res, err, errors.As(err, &be) && retriableSendCode(be.Code)
	}
	p.reportFault(mq.BrokerName, latency, false)
	return res, nil, false
}

func (p *Producer) reportFault(broker string, latency time.Duration, failed bool) {
	if p.fault != nil {
		p.fault.update(broker, latency, failed)
	}
}

// retriableSendCode is RocketMQ's retry set for sends
// (DefaultMQProducer.retryResponseCodes).
func retriableSendCode(c protocol.ResponseCode) bool {
	switch c {
	case protocol.RespTopicNotExist, protocol.RespServiceNotAvailable, protocol.RespSystemError,
		protocol.RespNoPermission, protocol.RespNoBuyerID, protocol.RespNotInCurrentUnit:
		return true
	}
	return false
}

// parseSendResponse turns a send reply into a result (codes 0, 10, 11,
// 12) or a *BrokerError.
func parseSendResponse(resp *protocol.Command, mq MessageQueue, addr string) (SendResult, error) {
	var st SendStatus
	switch protocol.ResponseCode(resp.Code) {
	case protocol.RespSuccess:
		st = SendOK
	case protocol.RespFlushDiskTimeout:
		st = SendFlushDiskTimeout
	case protocol.RespFlushSlaveTimeout:
		st = SendFlushSlaveTimeout
	case protocol.RespSlaveNotAvailable:
		st = SendSlaveNotAvailable
	default:
		return SendResult{}, brokerError("send", addr, resp)
	}
	var h protocol.SendMessageResponseHeader
	if err := h.Decode(resp); err != nil {
		return SendResult{}, fmt.Errorf("%w: send reply from %s: %v", ErrBadResponse, addr, err)
	}
	mq.QueueID = h.QueueID
	return SendResult{
		Status: st, OffsetMsgID: h.MsgID, Queue: mq, QueueOffset: h.QueueOffset,
		RegionID: h.MsgRegion, TraceOn: h.TraceOn,
	}, nil
}
