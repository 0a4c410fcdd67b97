package netpoll

import (
	"context"
	"sync"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// call is one request waiting for its response, matched by opaque. Exactly
// one of the response reader, the timeout and the connection's close takes
// it out of its callTable, and only that one completes it.
//
// A call completes either by signalling done (a goroutine waits in
// waitCall) or by running fn (InvokeAsync). Calls with a done channel are
// pooled: the waiter puts the call back once it has read the result.
type call struct {
	done  chan struct{} // capacity 1; signalled once per use
	timer *time.Timer   // owned by the waiter; reused across uses
	fn    func(resp *protocol.Command, err error)
	resp  *protocol.Command // set before done is signalled
	err   error             // set before done is signalled
}

// complete hands the result to the waiter or the callback. An async
// call's timer is stopped first (a no-op when it is the timer completing).
func (c *call) complete(resp *protocol.Command, err error) {
	if c.fn != nil {
		if c.timer != nil {
			c.timer.Stop()
		}
		c.fn(resp, err)
		return
	}
	c.resp, c.err = resp, err
	c.done <- struct{}{}
}

// callPool recycles waiting calls (channel and timer included).
var callPool = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &call{done: make(chan struct{}, 1), timer: t}
}}

func getCall() *call { return callPool.Get().(*call) }

func putCall(c *call) {
	c.resp, c.err, c.fn = nil, nil, nil
	callPool.Put(c)
}

// callTable holds one connection's outstanding requests.
type callTable struct {
	mu    sync.Mutex
	calls map[int32]*call // guarded by mu
	err   error           // guarded by mu; sticky once the connection closed
}

// add registers c under opaque, or returns the table's sticky error.
func (t *callTable) add(opaque int32, c *call) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return t.err
	}
	if t.calls == nil {
		t.calls = make(map[int32]*call)
	}
	t.calls[opaque] = c
	return nil
}

// take removes and returns the call registered under opaque, or nil.
func (t *callTable) take(opaque int32) *call {
	t.mu.Lock()
	c, ok := t.calls[opaque]
	if ok {
		delete(t.calls, opaque)
	}
	t.mu.Unlock()
	return c
}

// failAll makes err sticky and completes every outstanding call with it.
// Completions run with no lock held.
func (t *callTable) failAll(err error) {
	t.mu.Lock()
	if t.err == nil {
		t.err = err
	}
	calls := t.calls
	t.calls = nil
	t.mu.Unlock()
	for _, c := range calls {
		c.complete(nil, err)
	}
}

// waitCall waits for c, registered under opaque in t, until ctx ends or
// timeout (if > 0) passes. It returns c to the pool, its timer stopped.
func waitCall(ctx context.Context, t *callTable, opaque int32, c *call, timeout time.Duration) (*protocol.Command, error) {
	var expired <-chan time.Time
	if timeout > 0 {
		c.timer.Reset(timeout)
		expired = c.timer.C
	}
	var err error
	select {
	case <-c.done:
	case <-ctx.Done():
		err = timeoutError(ctx)
	case <-expired:
		err = ErrTimeout
	}
	if timeout > 0 {
		c.timer.Stop()
	}
	if err != nil {
		if t.take(opaque) != nil {
			putCall(c)
			return nil, err
		}
		<-c.done // a completion took the call first and is under way
	}
	resp, err := c.resp, c.err
	putCall(c)
	return resp, err
}

// asyncCall registers fn under opaque; fn runs once: with the response,
// with ErrTimeout after timeout (if > 0), or with the connection's close
// error. The timer is armed under the table's lock, so whoever takes the
// call sees it and stops it; a timer that fires after the call was taken
// finds nothing and does nothing.
func asyncCall(t *callTable, opaque int32, timeout time.Duration, fn func(*protocol.Command, error)) error {
	c := &call{fn: fn}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return t.err
	}
	if t.calls == nil {
		t.calls = make(map[int32]*call)
	}
	t.calls[opaque] = c
	if timeout > 0 {
		c.timer = time.AfterFunc(timeout, func() {
			if c := t.take(opaque); c != nil {
				c.complete(nil, ErrTimeout)
			}
		})
	}
	return nil
}

// abandonAsync takes back an async call whose request could not be sent.
// It reports false when a completion (the connection's close) took the
// call first: fn has run or is running, so the caller must not report the
// failure a second time.
func abandonAsync(t *callTable, opaque int32) bool {
	c := t.take(opaque)
	if c == nil {
		return false
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	return true
}
