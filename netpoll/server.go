package netpoll

import (
	"context"
	"log/slog"
	"runtime/pprof"
	"sync"
	"sync/atomic"

	"github.com/fastmq/fastmq/protocol"
	"github.com/panjf2000/gnet/v2"
)

// Server is the event-loop remoting server. Register handlers, then Start;
// Close stops it.
//
// Goroutines it owns, all started in Start and stopped and awaited in Close:
// gnet's main reactor, its event loops (one per core by default) and its
// ticker (only with an IdleTimeout), all run under one goroutine labelled
// netpoll=server (pprof labels pass to the goroutines it starts); and the
// close notifier, labelled netpoll=close-notifier, which runs OnClose hooks.
type Server struct {
	cfg      Config       // immutable after NewServer; defaults applied
	log      *slog.Logger // immutable
	baseCtx  context.Context
	handlers handlerTable // immutable after Start
	batchEnd func() error // immutable after Start; see OnBatchEnd
	notifier closeNotifier
	events   eventHandler
	drainState

	lastOpaque atomic.Int32 // opaques of requests the server sends
	lastConnID atomic.Uint64
	clock      atomic.Int64 // coarse unix ns, advanced by the ticker

	lifecycle sync.Mutex // serialises Start and Close; never held by loops
	booted    chan error // OnBoot or a failed gnet.Run reports here, once
	bootSent  atomic.Bool
	stopped   chan struct{} // closed when gnet.Run has returned

	mu struct {
		sync.Mutex
		state  serverState
		engine gnet.Engine
		addr   string
		conns  map[uint64]*Conn
		loops  map[gnet.EventLoop]*loop
	}

	idle []*Conn // owned by the ticker goroutine: scratch for the idle scan
}

type serverState int

const (
	stateNew serverState = iota
	stateStarted
	stateClosed
)

// NewServer returns a server for cfg. It checks cfg but opens nothing.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg.withDefaults(),
		baseCtx: context.Background(),
		booted:  make(chan error, 1),
		stopped: make(chan struct{}),
	}
	s.log = s.cfg.Logger
	s.events.s = s
	s.notifier.init(s.log)
	s.mu.conns = make(map[uint64]*Conn)
	s.mu.loops = make(map[gnet.EventLoop]*loop)
	return s, nil
}

// Handle registers h for requests with code. Call it before Start; calling
// it later is a programming error and panics.
func (s *Server) Handle(code protocol.RequestCode, h Handler) {
	s.mustBeNew("Handle")
	s.handlers.set(code, h)
}

// HandleDefault registers h for request codes without a handler. Without
// one, the server answers them with REQUEST_CODE_NOT_SUPPORTED. Call it
// before Start.
func (s *Server) HandleDefault(h Handler) {
	s.mustBeNew("HandleDefault")
	s.handlers.fallback = h
}

// OnClose registers f to run once for every connection that closes (peer
// gone, bad frame, idle, Conn.Close, server Close). Hooks run in
// registration order on the server's close-notifier goroutine, with no lock
// held and off the event loops; Close returns after the last one ran. Call
// it before Start.
func (s *Server) OnClose(f func(c *Conn)) {
	s.mustBeNew("OnClose")
	s.notifier.hooks = append(s.notifier.hooks, f)
}

// OnBatchEnd registers f to run on an event loop after the handlers of one
// read event (every whole frame that arrived on a connection) have run and
// before the replies they made inline (Conn.Reply, Conn.ReplyVec) are
// written, when one of those handlers called Conn.NeedBatchEnd. A handler
// may thus acknowledge work that f completes once per batch (the broker's
// deferred commit-log writes); batches that did no such work neither run f
// nor fail with it. If f returns an error,
// those replies are dropped (ReplyVec releases get the error) and the
// connection is closed with a log line: their answers must not reach the
// peer. f runs on the loops, concurrently on different loops; it must be
// short. Call it before Start; at most one f.
func (s *Server) OnBatchEnd(f func() error) {
	s.mustBeNew("OnBatchEnd")
	s.batchEnd = f
}

func (s *Server) mustBeNew(op string) {
	s.mu.Lock()
	state := s.mu.state
	s.mu.Unlock()
	if state != stateNew {
		panic("netpoll: Server." + op + " called after Start")
	}
}

// Start listens and starts the event loops. It returns once the server
// accepts connections; Addr then gives the bound address.
func (s *Server) Start() error {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	s.mu.Lock()
	state := s.mu.state
	s.mu.Unlock()
	switch state {
	case stateStarted:
		return ErrServerStarted
	case stateClosed:
		return ErrServerClosed
	}
	s.clock.Store(s.cfg.now().UnixNano())
	s.notifier.start()
	go s.run()
	if err := <-s.booted; err != nil {
		<-s.stopped
		s.notifier.stop()
		s.setState(stateClosed)
		return err
	}
	s.setState(stateStarted)
	return nil
}

func (s *Server) setState(st serverState) {
	s.mu.Lock()
	s.mu.state = st
	s.mu.Unlock()
}

// run runs gnet until the engine stops. Its pprof labels pass to the
// reactor, loop and ticker goroutines gnet starts from it.
func (s *Server) run() {
	defer close(s.stopped)
	labels := pprof.Labels("netpoll", "server", "addr", s.cfg.Addr)
	pprof.Do(s.baseCtx, labels, func(context.Context) {
		err := gnet.Run(&s.events, "tcp://"+s.cfg.Addr, s.gnetOptions()...)
		if err != nil {
			s.log.Error("netpoll: server stopped with error", "addr", s.cfg.Addr, "err", err)
		}
		s.reportBoot(err)
	})
}

// reportBoot tells Start how booting went; only the first report counts.
func (s *Server) reportBoot(err error) {
	if s.bootSent.CompareAndSwap(false, true) {
		s.booted <- err
	}
}

func (s *Server) gnetOptions() []gnet.Option {
	opts := []gnet.Option{
		gnet.WithLogger(gnetLogger{s.log}),
		gnet.WithReadBufferCap(s.cfg.ReadBufferBytes),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithTicker(s.cfg.IdleTimeout > 0),
	}
	if n := s.cfg.NumEventLoops; n > 0 {
		opts = append(opts, gnet.WithNumEventLoop(n))
	} else {
		opts = append(opts, gnet.WithMulticore(true))
	}
	if n := s.cfg.SocketSendBufferBytes; n > 0 {
		opts = append(opts, gnet.WithSocketSendBuffer(n))
	}
	return opts
}

// Addr returns the address the server listens on ("127.0.0.1:40123"), or
// "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.addr
}

// NumConns returns the number of open connections.
func (s *Server) NumConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mu.conns)
}

// Close stops accepting, closes every connection (their OnClose hooks run),
// stops the event loops, fails replies still queued with ErrServerClosed
// (their releases run), and waits for every goroutine the server owns. Safe
// to call twice. Never call it from a handler, a release callback or an
// OnClose hook: it waits for the loops and hooks they run on.
func (s *Server) Close() error {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	s.mu.Lock()
	state, eng := s.mu.state, s.mu.engine
	s.mu.state = stateClosed
	s.mu.Unlock()
	if state != stateStarted {
		return nil
	}
	// Stop only signals the engine when its context is already done; the
	// wait is on s.stopped instead of Stop's 500 ms polling.
	ctx, cancel := context.WithCancel(s.baseCtx)
	cancel()
	_ = eng.Stop(ctx)
	<-s.stopped
	s.mu.Lock()
	loops := make([]*loop, 0, len(s.mu.loops))
	for _, l := range s.mu.loops {
		loops = append(loops, l)
	}
	s.mu.Unlock()
	for _, l := range loops {
		l.closeOutbox(ErrServerClosed)
	}
	s.notifier.stop()
	return nil
}

// nextOpaque returns the opaque for a request the server sends.
func (s *Server) nextOpaque() int32 { return s.lastOpaque.Add(1) }
