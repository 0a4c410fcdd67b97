package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a server the suite started: its output goes to files in its
// directory, and Stop ends it (SIGTERM, then SIGKILL), so that every
// process the suite starts is also stopped by it.
type Process struct {
	Name string
	cmd  *exec.Cmd
	dir  string
	out  *os.File
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done closes
}

// StartProcess runs bin with args, its working directory and output files
// in dir, and waits until ready accepts the output printed so far (stdout
// and stderr together) or ctx ends. ready returns what the caller needs
// from the output (an address) and whether it is there yet.
func StartProcess(ctx context.Context, name, dir, bin string, args []string, env []string, ready func(out string) (string, bool)) (*Process, string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	out, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the suite
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, "", fmt.Errorf("bench: start %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, dir: dir, out: out, done: make(chan struct{})}
	go func() { // ends when the process does; Stop waits for it
		p.err = cmd.Wait()
		close(p.done)
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if v, ok := ready(p.Output()); ok {
			return p, v, nil
		}
		select {
		case <-p.done:
			return nil, "", fmt.Errorf("bench: %s exited before it was ready (%v):\n%s", name, p.err, tail(p.Output(), 30))
		case <-ctx.Done():
			p.Stop()
			return nil, "", fmt.Errorf("bench: %s not ready: %w:\n%s", name, ctx.Err(), tail(p.Output(), 30))
		case <-tick.C:
		}
	}
}

// Output returns what the process printed so far.
func (p *Process) Output() string {
	b, _ := os.ReadFile(p.out.Name())
	return string(b)
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// CPUTime returns the user plus system CPU time the process has used so
// far, from /proc/<pid>/stat.
func (p *Process) CPUTime() (time.Duration, error) {
	return procCPUTime(p.Pid())
}

// Stop sends SIGTERM, waits up to 20 s for the exit, then kills. It
// returns an error when the process had to be killed or exited with an
// error on SIGTERM.
func (p *Process) Stop() error {
	select {
	case <-p.done:
		p.out.Close()
		return p.exitErr()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case <-p.done:
		err = p.exitErr()
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		err = fmt.Errorf("bench: %s did not stop within 20 s of SIGTERM; killed", p.Name)
	}
	p.out.Close()
	return err
}

func (p *Process) exitErr() error {
	var ee *exec.ExitError
	if p.err == nil || (errors.As(p.err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGTERM) {
		return nil
	}
	return fmt.Errorf("bench: %s: %w:\n%s", p.Name, p.err, tail(p.Output(), 20))
}

// procCPUTime reads utime+stime (fields 14 and 15) of /proc/<pid>/stat.
func procCPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields restart after ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("bench: /proc/%d/stat: %w", pid, err)
	}
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
