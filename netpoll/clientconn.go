package netpoll

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastmq/fastmq/protocol"
)

// Reader and writer sizes of a client connection.
const (
	clientReadBufferBytes = 64 << 10
	// maxKeptWriteBytes caps the write buffers a connection keeps between
	// bursts.
	maxKeptWriteBytes = 1 << 20
)

// clientConn is one pooled outbound connection.
//
// Writes use flat combining plus a flusher: a caller appends its encoded
// frame to w.buf under w's lock; if nobody is writing, it becomes the
// writer, swaps the buffer out and writes it with the lock released, and
// repeats while others appended meanwhile. A lone caller pays no goroutine
// hand-off (a cross-CPU wake-up costs ~30 µs on the target VM); concurrent
// callers get their frames gathered into one write. A pipelined request
// (see client_flusher.go) leaves the write to the flusher goroutine
// instead, so that one producer's stream of async sends is written in
// batches too. No lock is held across the write.
type clientConn struct {
	cl    *Client
	addr  string        // immutable
	ready chan struct{} // closed when the dial has finished
	// nc and dialErr are written before ready is closed, read after.
	nc      net.Conn
	dialErr error

	calls callTable

	w struct {
		sync.Mutex
		buf     []byte // frames waiting to be written
		spare   []byte // the other buffer, swapped with buf by the writer
		writing bool   // a caller is writing; others only append
		err     error  // sticky: the connection failed
	}
	// kick wakes the flusher (capacity 1, sent to without blocking);
	// stop, closed by shut, ends it. Both are set before ready is closed.
	kick chan struct{}
	stop chan struct{}
	// deadline is the write deadline last set on nc; only the writer of
	// the moment touches it.
	deadline time.Time
	shutOnce sync.Once
	dead     atomic.Bool // set first thing by shut
}

func newClientConn(cl *Client, addr string) *clientConn {
	return &clientConn{cl: cl, addr: addr, ready: make(chan struct{})}
}

// dial connects and starts the reader; on failure it removes cc from the
// pool so that the next request tries again.
func (cc *clientConn) dial(ctx context.Context) {
	defer close(cc.ready)
	dctx, cancel := context.WithTimeout(ctx, cc.cl.cfg.DialTimeout)
	defer cancel()
	nc, err := cc.cl.cfg.dial(dctx, cc.addr)
	if err != nil {
		cc.dialErr = err
		cc.calls.failAll(err)
		cc.cl.forget(cc)
		return
	}
	cc.nc = nc
	cc.startFlusher()
	cc.cl.readers.Add(1)
	go pprof.Do(context.Background(), pprof.Labels("netpoll", "client-reader", "addr", cc.addr),
		func(context.Context) { cc.readLoop() })
}

// write encodes req into the pending buffer and, unless another caller is
// already writing, writes everything pending.
func (cc *clientConn) write(req *protocol.Command) error {
	return cc.send(req, false)
}

// send encodes req into the pending buffer. Unless another caller is
// already writing, it writes everything pending itself, or, when
// pipelined (other requests on cc await responses) and less than
// flusherBatchBytes are pending, wakes the flusher to do it.
func (cc *clientConn) send(req *protocol.Command, pipelined bool) error {
	cc.w.Lock()
	if err := cc.w.err; err != nil {
		cc.w.Unlock()
		return err
	}
	if len(cc.w.buf) > cc.cl.cfg.MaxQueuedBytes {
		cc.w.Unlock()
		return ErrQueueFull
	}
	cc.w.buf = req.AppendFrame(cc.w.buf)
	if cc.w.writing {
		cc.w.Unlock()
		return nil
	}
	if pipelined && len(cc.w.buf) < flusherBatchBytes {
		cc.w.Unlock()
		cc.wakeFlusher()
		return nil
	}
	cc.w.writing = true
	return cc.flushLocked()
}

// flushLocked writes pending frames until none are left. cc.w must be held
// on entry; it is released during each write and on return.
func (cc *clientConn) flushLocked() error {
	for len(cc.w.buf) > 0 {
		buf := cc.w.buf
		cc.w.buf = cc.w.spare[:0]
		cc.w.Unlock()
		err := cc.writeAll(buf)
		cc.w.Lock()
		// buf becomes the spare; one too large to keep is dropped. Either
		// way the spare must stop being the array cc.w.buf now uses (it was
		// handed to it above), or the next swap would have callers append
		// into the array being written.
		cc.w.spare = nil
		if cap(buf) <= maxKeptWriteBytes {
			cc.w.spare = buf[:0]
		}
		if err != nil {
			cc.w.writing = false
			cc.w.Unlock()
			cc.shut(err)
			return ErrConnClosed
		}
	}
	cc.w.writing = false
	cc.w.Unlock()
	return nil
}

// writeAll writes buf to the socket, failing once the peer has taken no
// byte for WriteTimeout (to 1.5 WriteTimeout): each write that makes
// progress extends the deadline, so a large frame to a slow but live peer
// goes through. Without the connection lock.
func (cc *clientConn) writeAll(buf []byte) error {
	for {
		if err := cc.extendDeadline(); err != nil {
			return err
		}
		n, err := cc.nc.Write(buf)
		buf = buf[n:]
		if err == nil || len(buf) == 0 {
			return nil
		}
		if n == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				cc.cl.log.Warn("netpoll: closing client connection: peer takes no data",
					"addr", cc.addr, "writeTimeout", cc.cl.cfg.WriteTimeout)
			}
			return err
		}
	}
}

// extendDeadline makes sure at least WriteTimeout is left before the write
// deadline. Setting a deadline re-arms a runtime timer, so it sets one
// WriteTimeout/2 further out than needed and leaves it alone until less
// than WriteTimeout is left: most writes only read the clock.
func (cc *clientConn) extendDeadline() error {
	now := time.Now()
	wt := cc.cl.cfg.WriteTimeout
	if cc.deadline.Sub(now) >= wt {
		return nil
	}
	dl := now.Add(wt + wt/2)
	if err := cc.nc.SetWriteDeadline(dl); err != nil {
		return err
	}
	cc.deadline = dl
	return nil
}

// readLoop reads frames until the connection fails, completing calls with
// the responses and serving the server's requests.
func (cc *clientConn) readLoop() {
	defer cc.cl.readers.Done()
	r := bufio.NewReaderSize(cc.nc, clientReadBufferBytes)
	var slab readSlab
	for {
		cmd, err := cc.readFrame(r, &slab)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				cc.cl.log.Warn("netpoll: client connection failed", "addr", cc.addr, "err", err)
			}
			cc.shut(ErrConnClosed)
			return
		}
		if cmd.IsResponse() {
			cc.complete(cmd)
		} else {
			cc.serve(cmd)
		}
	}
}

// ownedCommand is a decoded inbound command together with room for its ext
// entries, allocated as one object: a response with up to
// ownedExtEntries ext fields costs that allocation and its frame's.
type ownedCommand struct {
	cmd protocol.Command
	ext [ownedExtEntries]protocol.ExtField
}

// ownedExtEntries covers the responses a client sees most: a send result
// has six ext fields, a pull result five.
const ownedExtEntries = 8

// readFrame reads one frame into memory of its own and decodes it; the
// command owns that memory (the frame and its ext entries come from slab,
// which never hands memory out twice).
func (cc *clientConn) readFrame(r *bufio.Reader, slab *readSlab) (*protocol.Command, error) {
	prefix, err := r.Peek(4)
	if err != nil {
		return nil, err
	}
	if _, err := protocol.SplitFrame(prefix, cc.cl.cfg.MaxFrameBytes); err != nil {
		return nil, err
	}
	frame := slab.frame(int(binary.BigEndian.Uint32(prefix)) + 4)
	if _, err := io.ReadFull(r, frame); err != nil {
		return nil, err
	}
	o := slab.command()
	o.cmd.UseExtBuffer(o.ext[:0])
	if err := o.cmd.Decode(frame); err != nil {
		return nil, err
	}
	return &o.cmd, nil
}

// complete hands a response to the call waiting for its opaque.
func (cc *clientConn) complete(resp *protocol.Command) {
	c := cc.calls.take(resp.Opaque)
	if c == nil {
		cc.cl.log.Debug("netpoll: dropping response nobody waits for",
			"addr", cc.addr, "opaque", resp.Opaque, "code", resp.Code)
		return
	}
	c.complete(resp, nil)
}

// serve answers a request the server sent on this connection.
func (cc *clientConn) serve(req *protocol.Command) {
	var resp *protocol.Command
	if f := cc.cl.cfg.OnRequest; f != nil {
		resp = f(cc.addr, req)
	} else {
		resp = protocol.NewResponse(protocol.RespRequestCodeNotSupported, notSupportedRemark(req.Code))
	}
	if resp == nil || req.IsOneway() {
		return
	}
	prepareResponse(resp, req.Opaque, req.SerializeType)
	if err := cc.write(resp); err != nil {
		cc.cl.log.Debug("netpoll: cannot answer server request", "addr", cc.addr, "err", err)
	}
}

// shut closes the connection once: the error becomes sticky for writers,
// calls in flight fail with err, and the pool forgets the connection.
func (cc *clientConn) shut(err error) {
	cc.shutOnce.Do(func() {
		// Forget first: a caller woken by failAll must not find cc again.
		cc.dead.Store(true)
		cc.cl.forget(cc)
		cc.w.Lock()
		if cc.w.err == nil {
			cc.w.err = err
		}
		cc.w.Unlock()
		if cc.nc != nil {
			_ = cc.nc.Close()
			close(cc.stop) // the flusher runs exactly when nc is set
		}
		cc.calls.failAll(err)
	})
}
