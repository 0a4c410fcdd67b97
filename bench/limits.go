package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/fastmq/fastmq/perf"
)

// The physical limits, measured in the same run as the brokers: what the
// loopback network and the disk under the stores do with nothing in the
// way. Every figure of a broker is reported next to them.

// loopbackLimit streams 1 MiB writes over one loopback TCP connection to a
// goroutine that reads and discards them, for d. The meter counts bytes
// and 1 KiB messages' worth.
func loopbackLimit(ctx context.Context, d time.Duration) (perf.Run, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return perf.Run{}, err
	}
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // owned: ends when the writer closes the connection
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(io.Discard, c)
	}()
	defer wg.Wait()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return perf.Run{}, err
	}
	defer c.Close()
	buf := make([]byte, 1<<20)
	start := time.Now()
	m := perf.NewMeter(start)
	next := start.Add(tickInterval(d))
	for time.Since(start) < d && ctx.Err() == nil {
		n, err := c.Write(buf)
		if err != nil {
			return perf.Run{}, fmt.Errorf("bench: loopback write: %w", err)
		}
		m.Add(int64(n)>>10, int64(n))
		if now := time.Now(); now.After(next) {
			m.Tick(now)
			next = now.Add(tickInterval(d))
		}
	}
	m.Tick(time.Now())
	return perf.NewRun("limit loopback-tcp", map[string]string{
		"scenario": "limit", "limit": "loopback-tcp", "write": "1MiB", "unit": "1 KiB messages' worth",
	}, m, nil), nil
}

// diskLimit appends batch bytes per write (batch/size messages' worth)
// to a file in dir and fdatasyncs after each, for d: the rate a group
// commit of that size could reach, and the latency of one durable batch
// (write plus fdatasync). The file is removed afterwards.
func diskLimit(ctx context.Context, dir string, batch, size int, d time.Duration) (perf.Run, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return perf.Run{}, err
	}
	path := filepath.Join(dir, "fdatasync-probe-"+strconv.Itoa(batch))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return perf.Run{}, err
	}
	defer os.Remove(path)
	defer f.Close()
	buf := make([]byte, batch)
	for i := range buf {
		buf[i] = byte(i)
	}
	h := perf.NewHistogram(maxLatency)
	start := time.Now()
	m := perf.NewMeter(start)
	next := start.Add(tickInterval(d))
	var off int64
	for time.Since(start) < d && ctx.Err() == nil {
		t := time.Now()
		if _, err := f.WriteAt(buf, off); err != nil {
			return perf.Run{}, fmt.Errorf("bench: disk probe write: %w", err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return perf.Run{}, fmt.Errorf("bench: disk probe fdatasync: %w", err)
		}
		now := time.Now()
		h.Record(now.Sub(t))
		off += int64(batch)
		m.Add(int64(batch/size), int64(batch))
		if now.After(next) {
			m.Tick(now)
			next = now.Add(tickInterval(d))
		}
	}
	m.Tick(time.Now())
	return perf.NewRun(fmt.Sprintf("limit disk write+fdatasync %dKiB", batch>>10), map[string]string{
		"scenario": "limit", "limit": "disk", "batch": strconv.Itoa(batch), "size": strconv.Itoa(size),
		"unit": strconv.Itoa(size) + "-byte messages' worth", "dir": dir,
	}, m, h), nil
}
