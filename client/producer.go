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

// SendAsync sends m without waiting for the answer: it encodes m, picks its
// queue as Send does, writes the request and returns; done runs with the
// result exactly once, unless SendAsync returns an error. Many sends are
// pipelined on one connection; no goroutine waits per message.
//
// At most WithAsyncWorkers' queue sends are in flight; beyond that
// SendAsync waits for room until ctx ends, then fails with
// ErrAsyncQueueFull. ctx also bounds the send: each attempt times out at
// the request timeout or ctx's deadline, whichever is first (a ctx
// cancelled without a deadline stops retries, not the attempt in flight).
// A retriable failure is retried as Send does, on another broker when
// there is one, up to WithRetryTimes more times.
//
// done runs on a connection's reader goroutine (or a timer or retry
// goroutine): it must be quick and must not block, or it stalls every
// answer on that connection. m must stay unchanged until done runs.
func (p *Producer) SendAsync(ctx context.Context, m *Message, done func(SendResult, error)) error {
	if err := p.checkMessage(m); err != nil {
		return err
	}
	if err := p.beginAsync(ctx); err != nil {
		return err
	}
	a := p.asyncs.Get().(*asyncSend)
	a.ctx, a.msg, a.done = ctx, m, done
	a.send()
	return nil
}

// beginAsync takes a token for one async send and counts it in asyncWG,
// waiting for a token until ctx ends.
func (p *Producer) beginAsync(ctx context.Context) error {
	p.asyncMu.RLock()
	defer p.asyncMu.RUnlock()
	if p.state.Load() != stateStarted {
		return ErrClosed
	}
	select {
	case p.asyncSem <- struct{}{}:
	default:
		select {
		case p.asyncSem <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrAsyncQueueFull, ctx.Err())
		}
	}
	p.asyncWG.Add(1)
	return nil
}

// endAsync returns the token of an async send whose done has run.
func (p *Producer) endAsync() {
	<-p.asyncSem
	p.asyncWG.Done()
}

// asyncSend is one SendAsync in flight, from SendAsync until its done
// returns, then back in Producer.asyncs. Its fields are set before the
// request is sent and read by the completion (a happens-before through the
// transport's call table).
type asyncSend struct {
	p          *Producer                      // immutable
	onResponse func(*protocol.Command, error) // a.complete; immutable

	ctx  context.Context
	msg  *Message
	done func(SendResult, error)
	tr   *topicRoute // nil until the route is known
	b    *sendBuf    // nil until encoded; back to the pool in finish
	id   UniqID
	mq   MessageQueue
	addr string
	sent time.Time // when the first attempt was sent

	// handoff orders the first attempt's completion after InvokeAsync has
	// returned (the request encoded from b): a completion that comes
	// first (the connection closed, or the timer fired, while the frame
	// was being written) parks its result in early and leaves it to the
	// sender, which hands it to a goroutine. Accessed atomically.
	handoff  int32 // handoffSending, handoffSent or handoffEarly
	early    *protocol.Command
	earlyErr error
}

const (
	handoffSending int32 = iota // InvokeAsync has not returned
	handoffSent                 // it has: the completion runs where it lands
	handoffEarly                // the completion came first and is parked
)

// onFirstResponse is the first attempt's callback (a.onResponse).
func (a *asyncSend) onFirstResponse(resp *protocol.Command, err error) {
	if atomic.LoadInt32(&a.handoff) == handoffSending {
		a.early, a.earlyErr = resp, err
		if atomic.CompareAndSwapInt32(&a.handoff, handoffSending, handoffEarly) {
			return // the sender takes it from here
		}
	}
	a.complete(resp, err)
}

// send makes the first attempt. A failure before the request is on its
// way goes to a retry goroutine, so that done never runs on the caller.
func (a *asyncSend) send() {
	p := a.p
	tr, err := p.route(a.ctx, a.msg.Topic)
	if err != nil {
		a.retryLater(err, false)
		return
	}
	a.tr = tr
	a.b = p.getBuf()
	a.id = p.uniq.Next(p.cfg.clock())
	if err := p.encodeMessage(a.b, a.msg, a.id[:]); err != nil {
		a.retryLater(err, false)
		return
	}
	a.mq = p.choose(tr, a.msg, p.cfg.selector, "")
	addr, ok := p.in.routes.masterAddr(a.mq.BrokerName)
	if !ok {
		a.retryLater(fmt.Errorf("%w: %s", ErrBrokerNotFound, a.mq.BrokerName), true)
		return
	}
	a.addr = addr
	timeout, ok := a.timeout()
	if !ok {
		a.retryLater(a.ctx.Err(), false)
		return
	}
	a.sent = p.cfg.clock()
	p.fillSendCommand(a.b, a.msg, a.mq, a.sent)
	if err := p.in.rpc.nc.InvokeAsync(a.ctx, addr, &a.b.cmd, timeout, a.onResponse); err != nil {
		p.reportFault(a.mq.BrokerName, p.cfg.clock().Sub(a.sent), true)
		a.retryLater(fmt.Errorf("client: send to %s (%s): %w", addr, a.mq.BrokerName, err), true)
		return
	}
	if !atomic.CompareAndSwapInt32(&a.handoff, handoffSending, handoffSent) {
		go a.complete(a.early, a.earlyErr) // counted in asyncWG through a, like a retry
	}
}

// timeout is the first attempt's limit: the request timeout or what is
// left of ctx, whichever is shorter; false when ctx has ended.
func (a *asyncSend) timeout() (time.Duration, bool) {
	if a.ctx.Err() != nil {
		return 0, false
	}
	t := a.p.in.rpc.timeout
	if dl, ok := a.ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return 0, false
		}
		t = min(t, left)
	}
	return t, true
}

// complete handles the first attempt's answer, on the connection's reader
// goroutine (or the timeout's timer goroutine).
func (a *asyncSend) complete(resp *protocol.Command, err error) {
	p := a.p
	latency := p.cfg.clock().Sub(a.sent)
	if err != nil {
		p.reportFault(a.mq.BrokerName, latency, true)
		a.failed(fmt.Errorf("client: send to %s (%s): %w", a.addr, a.mq.BrokerName, err), true)
		return
	}
	res, err := parseSendResponse(resp, a.mq, a.addr)
	if err != nil {
		p.reportFault(a.mq.BrokerName, latency, true)
		var be *BrokerError
		a.failed(err, errors.As(err, &be) && retriableSendCode(be.Code))
		return
	}
	p.reportFault(a.mq.BrokerName, latency, false)
	res.MsgID = a.id
	a.finish(res, nil)
}

// failed finishes a failed first attempt, handing it to a retry goroutine
// when it may be retried.
func (a *asyncSend) failed(err error, retriable bool) {
	if a.mayRetry(retriable) {
		a.retryLater(err, true)
		return
	}
	a.finish(SendResult{}, err)
}

func (a *asyncSend) mayRetry(retriable bool) bool {
	return retriable && a.b != nil && a.p.cfg.retryTimes > 0 && a.ctx.Err() == nil
}

// retryLater starts the goroutine that retries a failed first attempt
// (or just reports err) and then finishes a. It is counted in asyncWG
// through a, which Shutdown waits for.
func (a *asyncSend) retryLater(err error, retriable bool) {
	go a.retry(err, retriable)
}

// retry runs the remaining attempts synchronously, as Send does, after a
// first attempt that failed with err.
func (a *asyncSend) retry(err error, retriable bool) {
	if !a.mayRetry(retriable) {
		a.finish(SendResult{}, err)
		return
	}
	p := a.p
	tr := a.tr
	if fresh, err := p.in.routes.update(a.ctx, a.msg.Topic); err == nil && len(fresh.publish) > 0 {
		tr = fresh
	}
	res, err := p.attemptsAfter(a.ctx, tr, a.b, a.msg, p.cfg.selector, p.cfg.retryTimes-1, a.id, a.mq.BrokerName)
	a.finish(res, err)
}

// finish returns a's buffer, runs done, frees a's token and recycles a.
func (a *asyncSend) finish(res SendResult, err error) {
	p, done := a.p, a.done
	if a.b != nil {
		p.bufs.Put(a.b)
	}
	*a = asyncSend{p: p, onResponse: a.onResponse}
	p.asyncs.Put(a)
	done(res, err)
	p.endAsync()
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
