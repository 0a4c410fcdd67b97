package broker

import "syscall"

// totalMemoryBytes returns the machine's RAM, or 0 if unknown.
func totalMemoryBytes() int64 {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}
