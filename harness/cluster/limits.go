package cluster

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// fdsPerWorker bounds the descriptors a worker costs the harness's
// process: six proxy listeners, each with an accepted and an upstream
// connection, the control plane's five accepted streams when it is
// embedded, the harness's command client, and slack for reconnects.
const (
	fdsPerWorker = 32
	fdsBase      = 512
)

// raiseFileLimit lifts this process's RLIMIT_NOFILE to what n workers
// need, raising the hard limit too where it is allowed to (root, or up to
// the existing hard limit). Children inherit the hard limit; being Go
// programs they raise their own soft limit to it at start. It fails with
// what is needed and what is allowed rather than letting the cluster run
// out of descriptors half way through.
func raiseFileLimit(n int) error {
	need := uint64(fdsBase + fdsPerWorker*n)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("cluster: file limit: %w", err)
	}
	if lim.Cur >= need {
		return nil
	}
	want := lim
	want.Cur = need
	if want.Max < need {
		want.Max = need
		if top := nrOpen(); top > 0 && want.Max > top {
			return fmt.Errorf("%w: %d workers need %d open files; the kernel allows at most %d (fs.nr_open)",
				ErrInvalidOptions, n, need, top)
		}
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		return fmt.Errorf("%w: %d workers need %d open files, the limit is %d (hard %d) and raising it failed: %w; "+
			"raise it with ulimit -n or run fewer workers", ErrInvalidOptions, n, need, lim.Cur, lim.Max, err)
	}
	return nil
}

// nrOpen is the kernel's cap on any process's descriptor limit, or 0
// where it cannot be read.
func nrOpen() uint64 {
	b, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err != nil {
		return 0
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return v
}
