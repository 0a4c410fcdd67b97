package index

// openStopped is Open without the goroutines: tests and benchmarks drive
// the dispatcher by hand through dispatchBatch and endBatch.
func openStopped(cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, log: cfg.Log, cqDir: cfg.Dir + "/consumequeue",
		reqs: make(chan func()), quit: make(chan struct{})}
	s.mu.queues = make(map[string]map[int32]*ConsumeQueue)
	if err := s.recover(); err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

// closeStopped closes a Store from openStopped.
func (s *Store) closeStopped() error {
	s.closed.Store(true)
	close(s.quit)
	s.flushQueues(nil)
	return s.closeFiles()
}
