package cluster

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Descriptors a worker costs this process: with proxies, its six
// listeners and an accepted and an upstream connection for each of its
// six links (the commands link is the control plane's connection to the
// worker); embedded, the control plane's five accepted streams and its own
// end of the commands link; the harness's standing command connection
// (its socket, and through a proxy the proxy's two ends) up to
// transientAbove workers; one to spare. Workloads add their own (a direct
// impl reqrep client, three a worker through the proxies).
const (
	fdsBase       = 256
	fdsProxied    = 18
	fdsEmbeddedCP = 6
	fdsStanding   = 3
	fdsSpare      = 1
)

// fileNeed is what Start needs of the descriptor limit for o.
func fileNeed(o Options) uint64 {
	per := fdsSpare
	if o.Transport == TCP || o.Transport == TLSTCP {
		per += fdsProxied
	}
	if o.ControlPlane == Embedded {
		per += fdsEmbeddedCP
	}
	if o.Workers <= transientAbove {
		per += fdsStanding
	}
	return uint64(fdsBase + per*max(o.Workers, 0)) //nolint:gosec // small
}

// raiseFileLimit lifts this process's RLIMIT_NOFILE to what n workers
// need, raising the hard limit too where it is allowed to (root, or up to
// the existing hard limit). Children inherit the hard limit; being Go
// programs they raise their own soft limit to it at start. It fails with
// what is needed and what is allowed rather than letting the cluster run
// out of descriptors half way through.
func raiseFileLimit(n int, need uint64) error {
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
