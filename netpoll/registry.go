package netpoll

import (
	"github.com/panjf2000/gnet/v2"
)

// open makes the Conn for a new gnet connection and registers it. On the
// connection's loop.
func (s *Server) open(gc gnet.Conn) *Conn {
	c := &Conn{
		id:  s.lastConnID.Add(1),
		srv: s,
		gc:  gc,
	}
	if addr := gc.RemoteAddr(); addr != nil {
		c.remote = addr.String()
	}
	c.lastActive.Store(s.clock.Load())
	s.mu.Lock()
	c.loop = s.loopLocked(gc.EventLoop())
	s.mu.conns[c.id] = c
	s.mu.Unlock()
	s.log.Debug("netpoll: connection opened", "conn", c.id, "remote", c.remote)
	return c
}

// loopLocked returns our state for el, making it on first use. s.mu must be
// held.
func (s *Server) loopLocked(el gnet.EventLoop) *loop {
	l := s.mu.loops[el]
	if l == nil {
		l = &loop{srv: s, el: el}
		s.mu.loops[el] = l
	}
	return l
}

// closed records that c has closed: later writes to it fail, requests the
// server sent on it fail with ErrConnClosed, and the close hooks are queued.
// On the connection's loop (gnet's OnClose).
func (s *Server) closed(c *Conn, err error) {
	c.closed.Store(true)
	c.calls.failAll(ErrConnClosed)
	s.mu.Lock()
	delete(s.mu.conns, c.id)
	s.mu.Unlock()
	s.log.Debug("netpoll: connection closed", "conn", c.id, "remote", c.remote, "err", err)
	s.notifier.post(c)
}
