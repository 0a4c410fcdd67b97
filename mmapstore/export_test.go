package mmapstore

import (
	"net/netip"
	"runtime"
	"time"
)

// Test-only access to the seams.

func (cfg QueueConfig) withOps(ops *fileOps) QueueConfig { cfg.ops = ops; return cfg }

func (cfg QueueConfig) withUnmapHook(fn func(start int64)) QueueConfig {
	cfg.onUnmap = fn
	return cfg
}

func (c Config) withOps(ops *fileOps) Config { c.ops = ops; return c }

func (c Config) withClock(now func() time.Time) Config { c.now = now; return c }

func (c Config) withDiskUsage(fn func(string) (int, error)) Config { c.diskUsage = fn; return c }

func (c Config) withUnmapHook(fn func(start int64)) Config { c.onUnmap = fn; return c }

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

var benchHost = netip.MustParseAddrPort("10.0.0.1:5000")

// setPendingLimit lowers the write buffer's bound (sync flush).
func (l *CommitLog) setPendingLimit(n int) { l.mu.Lock(); l.mu.wb.limit = n; l.mu.Unlock() }

// pendingState returns the buffered bytes and the appenders waiting for room.
func (l *CommitLog) pendingState() (buffered, waiters int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.mu.wb.buf), l.mu.wb.waiters
}
