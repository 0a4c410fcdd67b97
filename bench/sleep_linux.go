package bench

import (
	"runtime"
	"syscall"
	"time"
)

// prSetTimerSlack is prctl's PR_SET_TIMERSLACK (linux/prctl.h).
const prSetTimerSlack = 29

// preciseSleep blocks the calling goroutine's thread for d (at most a few
// milliseconds) with nanosleep and a timer slack of 1 ns, so it wakes
// within microseconds of d rather than at Go's next millisecond timer
// tick. The thread is locked for the call because the slack is a
// per-thread setting.
func preciseSleep(d time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, 1, 0)
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
