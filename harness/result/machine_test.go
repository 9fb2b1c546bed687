package result_test

import (
	"runtime"
	"testing"

	"github.com/nngbench/nngbench/harness/result"
)

func TestLocalMachine(t *testing.T) {
	t.Parallel()
	m := result.LocalMachine("abc123")
	if m.Cores != runtime.NumCPU() || m.GoVersion != runtime.Version() || m.OS != runtime.GOOS ||
		m.Arch != runtime.GOARCH || m.Commit != "abc123" {
		t.Errorf("LocalMachine = %+v", m)
	}
	if runtime.GOOS == "linux" && m.CPU == "" {
		t.Error("no CPU model read from /proc/cpuinfo")
	}
}
