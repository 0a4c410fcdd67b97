package netpoll

import (
	"time"

	"github.com/panjf2000/gnet/v2"
)

// eventHandler adapts gnet's callbacks to the server. It is the only place
// where gnet's connection type meets ours: the *Conn rides in the gnet
// connection's context.
type eventHandler struct {
	gnet.BuiltinEventEngine
	s *Server
}

// OnBoot records the engine and the bound address, then lets Start return.
func (h *eventHandler) OnBoot(eng gnet.Engine) gnet.Action {
	s := h.s
	addr, err := listenerAddr(eng)
	if err != nil {
		s.log.Error("netpoll: cannot read the listen address", "addr", s.cfg.Addr, "err", err)
		addr = s.cfg.Addr
	}
	s.mu.Lock()
	s.mu.engine = eng
	s.mu.addr = addr
	s.mu.Unlock()
	s.log.Info("netpoll: server listening", "addr", addr)
	s.reportBoot(nil)
	return gnet.None
}

// OnOpen registers the new connection. It runs on the connection's loop.
// A connection that opens while the server drains is closed unserved.
func (h *eventHandler) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	if h.s.draining.Load() {
		var remote string
		if addr := gc.RemoteAddr(); addr != nil {
			remote = addr.String()
		}
		if h.s.refuse(remote) {
			return nil, gnet.Close
		}
	}
	c := h.s.open(gc)
	gc.SetContext(c)
	return nil, gnet.None
}

// OnTraffic serves the frames that arrived.
func (h *eventHandler) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.Close
	}
	return c.loop.traffic(c, gc)
}

// OnClose marks the connection closed, fails the server's requests still
// waiting on it, and queues the close hooks. It runs on the loop.
func (h *eventHandler) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.None
	}
	h.s.closed(c, err)
	return gnet.None
}

// OnTick advances the coarse clock and closes idle connections. gnet runs
// it on its ticker goroutine, not on a loop.
func (h *eventHandler) OnTick() (time.Duration, gnet.Action) {
	s := h.s
	now := s.cfg.now()
	s.clock.Store(now.UnixNano())
	s.closeIdle(now)
	return s.cfg.tickInterval(), gnet.None
}
