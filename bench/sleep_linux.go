package bench

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// preciseSleep blocks the calling goroutine's thread for d (at most a few
// milliseconds) with nanosleep and a timer slack of 1 ns, so it wakes
// within microseconds of d rather than at Go's next millisecond timer
// tick. The thread is locked for the call because the slack is a
// per-thread setting.
func preciseSleep(d time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	ts := unix.NsecToTimespec(int64(d))
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}
