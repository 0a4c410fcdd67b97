package perf

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Environment describes the machine and build a run happens on, for
// Report.Env: Go version, OS and architecture, GOMAXPROCS, logical CPUs
// and, on Linux, the CPU model from /proc/cpuinfo.
func Environment() map[string]string {
	env := map[string]string{
		"go":         runtime.Version(),
		"os/arch":    runtime.GOOS + "/" + runtime.GOARCH,
		"GOMAXPROCS": strconv.Itoa(runtime.GOMAXPROCS(0)),
		"cpus":       strconv.Itoa(runtime.NumCPU()),
	}
	if model := cpuModel("/proc/cpuinfo"); model != "" {
		env["cpu"] = model
	}
	return env
}

// cpuModel returns the first "model name" of a cpuinfo file, or "".
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
