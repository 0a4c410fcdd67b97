package perf

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

func TestEnvironmentDescribesTheRun(t *testing.T) {
	env := Environment()
	if env["go"] != runtime.Version() || env["GOMAXPROCS"] != strconv.Itoa(runtime.GOMAXPROCS(0)) || env["cpus"] == "" {
		t.Errorf("environment %v", env)
	}
}

func TestCPUModelReadsCpuinfo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cpuinfo")
	os.WriteFile(p, []byte("processor\t: 0\nvendor_id\t: X\nmodel name\t: Test CPU @ 3.00GHz\nflags\t: a b\n"), 0o644)
	if got := cpuModel(p); got != "Test CPU @ 3.00GHz" {
		t.Errorf("model %q", got)
	}
	if got := cpuModel(filepath.Join(t.TempDir(), "missing")); got != "" {
		t.Errorf("missing file gave %q", got)
	}
}
