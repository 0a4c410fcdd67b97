package namesrv

import (
	"time"

	"github.com/fastmq/fastmq/netpoll"
)

// scanLoop removes expired brokers every ScanInterval until stop closes.
// It is the expiry scanner goroutine.
func (s *Server) scanLoop(stop <-chan struct{}) {
	defer s.scanDone.Done()
	t := time.NewTicker(s.cfg.ScanInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.scanOnce()
		}
	}
}

// scanOnce removes every broker address whose last registration is older
// than BrokerTimeout by the server's clock, closes the connections they
// registered on (as Java does) and returns how many it removed.
func (s *Server) scanOnce() int {
	gone := s.routes.expire(s.cfg.now(), s.cfg.BrokerTimeout)
	for _, e := range gone {
		s.log.Warn("broker expired: no registration within the timeout",
			"brokerAddr", e.addr, "timeout", s.cfg.BrokerTimeout)
		if c := s.brokerConn(e.connID); c != nil {
			// The close hook then removes any other broker registered on it.
			_ = c.Close() // already closing is fine; nothing else to do
		}
	}
	return len(gone)
}

// trackBrokerConn remembers a connection a broker registered on.
func (s *Server) trackBrokerConn(c *netpoll.Conn) {
	s.brokerConns.Lock()
	s.brokerConns.m[c.ID()] = c
	s.brokerConns.Unlock()
}

// brokerConn returns connection id (nil if unknown).
func (s *Server) brokerConn(id uint64) *netpoll.Conn {
	s.brokerConns.Lock()
	defer s.brokerConns.Unlock()
	return s.brokerConns.m[id]
}

// takeBrokerConn forgets and returns connection id (nil if unknown).
func (s *Server) takeBrokerConn(id uint64) *netpoll.Conn {
	s.brokerConns.Lock()
	defer s.brokerConns.Unlock()
	c := s.brokerConns.m[id]
	delete(s.brokerConns.m, id)
	return c
}

// onConnClose is the netpoll close hook: brokers registered on the
// connection are removed at once (J4 BrokerHousekeepingService,
// onChannelDestroy).
func (s *Server) onConnClose(c *netpoll.Conn) {
	if s.takeBrokerConn(c.ID()) == nil {
		return
	}
	for _, addr := range s.routes.connClosed(c.ID()) {
		s.log.Info("broker removed: its connection closed", "brokerAddr", addr, "remote", c.RemoteAddr())
	}
}
