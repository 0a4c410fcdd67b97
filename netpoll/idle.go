package netpoll

import "time"

// closeIdle closes every connection that has not moved a byte since
// now-IdleTimeout. The server clock that connections record advances once
// per tick, so a connection may live up to two ticks past its timeout. On
// the ticker goroutine.
func (s *Server) closeIdle(now time.Time) {
	if s.cfg.IdleTimeout <= 0 {
		return
	}
	cutoff := now.Add(-s.cfg.IdleTimeout).UnixNano()
	idle := s.idle[:0]
	s.mu.Lock()
	for _, c := range s.mu.conns {
		if c.lastActive.Load() < cutoff {
			idle = append(idle, c)
		}
	}
	s.mu.Unlock()
	for _, c := range idle {
		s.log.Info("netpoll: closing idle connection", "conn", c.id, "remote", c.remote,
			"idleTimeout", s.cfg.IdleTimeout)
		_ = c.Close()
	}
	clear(idle)
	s.idle = idle[:0]
}
