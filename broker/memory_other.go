//go:build !linux

package broker

// totalMemoryBytes returns 0: unknown off Linux.
func totalMemoryBytes() int64 { return 0 }
