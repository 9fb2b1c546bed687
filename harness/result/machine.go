package result

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// LocalMachine describes the machine this process runs on. commit is the
// nngbench commit; when empty, the one the binary was built from (if Go
// recorded it) is used.
func LocalMachine(commit string) Machine {
	m := Machine{
		CPU:       cpuModel("/proc/cpuinfo"),
		Cores:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		Commit:    commit,
	}
	if m.Commit == "" {
		m.Commit = buildCommit()
	}
	m.Hostname, _ = os.Hostname() // unnamed is still a machine; leave it empty
	return m
}

// cpuModel reads the first "model name" of a Linux cpuinfo file; "" elsewhere.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func buildCommit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}
