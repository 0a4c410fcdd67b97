package namesrv

import (
	"context"
	"errors"
	"log/slog"
	"runtime/pprof"
	"sync"

	"github.com/fastmq/fastmq/netpoll"
	"github.com/fastmq/fastmq/protocol"
)

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("namesrv: server closed")

// Server is a NameServer: the route table, broker liveness and the KV
// configuration, served over netpoll.
//
// Goroutines it owns, started in Start and stopped and awaited in Close:
// the expiry scanner (pprof label namesrv=expiry-scanner), the KV persister
// (namesrv=kv-persister), the registrar (namesrv=registrar, registrar.go)
// and, unless the server was attached to another
// netpoll server with Register, its own netpoll server's goroutines.
type Server struct {
	cfg     Config       // immutable after New; defaults applied
	log     *slog.Logger // immutable
	routes  *routeTable
	kv      *kvStore
	replies sync.Pool // *reply
	// registrar decodes large registrations off the loops.
	registrar *registrar

	lifecycle struct {
		sync.Mutex
		net      *netpoll.Server // the server handlers are registered on
		ownsNet  bool            // net was made by Start and is closed by Close
		started  bool
		closed   bool
		stopScan chan struct{}
	}
	scanDone sync.WaitGroup

	// brokerConns are the connections brokers registered on, so that an
	// expired broker's connection can be closed as Java does.
	brokerConns struct {
		sync.Mutex
		m map[uint64]*netpoll.Conn // guarded by brokerConns.Mutex
	}
}

// New builds a NameServer for cfg and loads the KV configuration from
// cfg.KVConfigPath (a missing file is an empty configuration). It listens
// on nothing: call Start, after Register if it should share another netpoll
// server.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	kv, err := openKVStore(cfg.KVConfigPath)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "namesrv"), routes: newRouteTable(), kv: kv}
	s.replies.New = func() any { return new(reply) }
	s.registrar = newRegistrar(s)
	s.brokerConns.m = make(map[uint64]*netpoll.Conn)
	return s, nil
}

// Start serves: it creates and starts a netpoll server on cfg.Addr unless
// Register attached the NameServer to another one (whose owner starts it),
// then starts the expiry scanner and the KV persister.
func (s *Server) Start() error {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	switch {
	case s.lifecycle.closed:
		return ErrClosed
	case s.lifecycle.started:
		return nil
	}
	if s.lifecycle.net == nil {
		ns, err := netpoll.NewServer(netpoll.Config{Addr: s.cfg.Addr,
			NumEventLoops: s.cfg.NumEventLoops, IdleTimeout: s.cfg.IdleTimeout, Logger: s.cfg.Logger})
		if err != nil {
			return err
		}
		s.registerLocked(ns)
		if err := ns.Start(); err != nil {
			s.lifecycle.net = nil
			return err
		}
		s.lifecycle.ownsNet = true
	}
	s.lifecycle.started = true
	s.lifecycle.stopScan = make(chan struct{})
	s.scanDone.Add(1)
	go pprof.Do(context.Background(), pprof.Labels("namesrv", "expiry-scanner"), func(context.Context) {
		s.scanLoop(s.lifecycle.stopScan)
	})
	s.kv.start()
	s.registrar.start()
	s.log.Info("name server started", "addr", s.lifecycle.net.Addr(), "brokerTimeout", s.cfg.BrokerTimeout,
		"scanInterval", s.cfg.ScanInterval, "kvConfigPath", s.cfg.KVConfigPath)
	return nil
}

// Register installs the NameServer's handlers and its connection-close hook
// on ns, so that one netpoll server (a standalone broker's) serves both.
// Call it before ns.Start and before s.Start; ns's owner starts and closes
// ns. It panics if called twice, or after Start, which is a programming
// error.
func (s *Server) Register(ns *netpoll.Server) {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	if s.lifecycle.net != nil || s.lifecycle.started {
		panic("namesrv: Register called twice or after Start")
	}
	s.registerLocked(ns)
}

// registerLocked installs the handlers on ns. Caller holds lifecycle.
func (s *Server) registerLocked(ns *netpoll.Server) {
	for code, h := range s.handlers() {
		ns.Handle(code, h)
	}
	ns.OnClose(s.onConnClose)
	s.lifecycle.net = ns
}

// Addr returns the address the NameServer listens on ("" before Start).
func (s *Server) Addr() string {
	if ns := s.net(); ns != nil {
		return ns.Addr()
	}
	return ""
}

func (s *Server) net() *netpoll.Server {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	return s.lifecycle.net
}

// Close stops the expiry scanner, closes the netpoll server if Start made
// it, then writes any queued KV change and stops the persister. Safe to
// call twice.
func (s *Server) Close() error {
	s.lifecycle.Lock()
	if s.lifecycle.closed {
		s.lifecycle.Unlock()
		return nil
	}
	s.lifecycle.closed = true
	started, ns, owns := s.lifecycle.started, s.lifecycle.net, s.lifecycle.ownsNet
	if started {
		close(s.lifecycle.stopScan)
	}
	s.lifecycle.Unlock()
	if !started {
		return nil
	}
	s.scanDone.Wait()
	var err error
	if owns {
		err = ns.Close()
	}
	s.registrar.close()
	s.kv.close()
	s.log.Info("name server stopped")
	return err
}

// Route returns topic's route as GET_ROUTEINFO_BY_TOPIC would (without
// orderTopicConf), for callers in the same process such as a standalone
// broker's wiring or tests. The result shares nothing with the table.
func (s *Server) Route(topic string) (protocol.TopicRouteData, bool) {
	return s.routes.route(topic)
}

// ClusterInfo returns the broker and cluster tables as
// GET_BROKER_CLUSTER_INFO would. The result shares nothing with the table.
func (s *Server) ClusterInfo() protocol.ClusterInfo {
	return s.routes.clusterInfo()
}
