package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// loopbackRTT bounces a size-byte message over one loopback TCP connection
// to an echo server, one at a time, for d: the latency floor of any
// request/response between two processes on this machine, next to which
// end-to-end latencies are read. echo, when set, is the command of an echo
// server process (it prints its address on its first line, see
// ServeEcho); otherwise the echo runs in a goroutine of this process,
// which is faster than two processes can be (no cross-process wake-up)
// and is labelled so.
func loopbackRTT(ctx context.Context, dir string, echo []string, size int, d time.Duration) (perf.Run, error) {
	addr, where := "", "goroutine"
	if len(echo) > 0 {
		p, a, err := StartProcess(ctx, "echo", dir, echo[0], echo[1:], nil, func(out string) (string, bool) {
			line, _, ok := strings.Cut(out, "\n")
			return strings.TrimSpace(line), ok
		})
		if err != nil {
			return perf.Run{}, err
		}
		defer p.Stop()
		addr, where = a, "process"
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return perf.Run{}, err
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // owned: ends when the listener closes
			defer wg.Done()
			serveEcho(ln)
		}()
		defer func() { // after the client's Close (deferred later, run earlier)
			ln.Close()
			wg.Wait()
		}()
		addr = ln.Addr().String()
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return perf.Run{}, err
	}
	defer c.Close()
	out, in := make([]byte, size), make([]byte, size)
	h := perf.NewHistogram(maxLatency)
	start := time.Now()
	m := perf.NewMeter(start)
	next := start.Add(tickInterval(d))
	for time.Since(start) < d && ctx.Err() == nil {
		t := time.Now()
		if _, err := c.Write(out); err != nil {
			return perf.Run{}, fmt.Errorf("bench: loopback rtt write: %w", err)
		}
		if _, err := io.ReadFull(c, in); err != nil {
			return perf.Run{}, fmt.Errorf("bench: loopback rtt read: %w", err)
		}
		now := time.Now()
		h.Record(now.Sub(t))
		m.Add(1, int64(size))
		if now.After(next) {
			m.Tick(now)
			next = now.Add(tickInterval(d))
		}
	}
	m.Tick(time.Now())
	return perf.NewRun("limit loopback-rtt ("+where+" echo)", map[string]string{
		"scenario": "limit", "limit": "loopback-rtt", "size": strconv.Itoa(size), "echo": where,
	}, m, h), nil
}

// ServeEcho is the echo server of the loopback round-trip probe, for a
// command's hidden mode: it listens on 127.0.0.1, prints the address as
// its first line on w, and echoes every connection until the process is
// stopped.
func ServeEcho(w io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Fprintln(w, ln.Addr().String())
	serveEcho(ln)
	return nil
}

// serveEcho echoes each accepted connection (one at a time: the probe
// uses one) until the listener closes.
func serveEcho(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}
}
