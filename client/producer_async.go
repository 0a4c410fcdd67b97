package client

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

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
	// One clock reading serves the message ID, the born timestamp and the
	// latency the fault strategy sees: the few µs of encoding between
	// them do not matter, a clock read per use does (~7% of client CPU).
	a.sent = p.cfg.clock()
	a.id = p.uniq.Next(a.sent)
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
	latency := a.latency()
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

// latency is how long the first attempt has taken, for the fault
// strategy; without one (the default) it is 0 and the clock is not read.
func (a *asyncSend) latency() time.Duration {
	if a.p.fault == nil {
		return 0
	}
	return a.p.cfg.clock().Sub(a.sent)
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
