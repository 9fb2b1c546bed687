package cluster

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestRaiseFileLimit raises the limit to what 1,024 workers need, or,
// where this process may not raise its hard limit, fails saying how many
// descriptors are needed and what the limit is.
func TestRaiseFileLimit(t *testing.T) {
	for _, n := range []int{1, 64, 1024} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			need := uint64(fdsBase + fdsPerWorker*n)
			err := raiseFileLimit(n)
			var lim syscall.Rlimit
			if gerr := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); gerr != nil {
				t.Fatal(gerr)
			}
			switch {
			case err == nil && lim.Cur < need:
				t.Fatalf("no error, but the limit is %d, under the %d needed", lim.Cur, need)
			case err != nil && (!errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), strconv.FormatUint(need, 10))):
				t.Fatalf("error %v: want ErrInvalidOptions naming the %d descriptors needed", err, need)
			case err != nil && lim.Max >= need:
				t.Fatalf("error %v although the hard limit %d allows %d", err, lim.Max, need)
			}
		})
	}
}
