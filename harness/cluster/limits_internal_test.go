package cluster

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestFileNeed: 1,024 workers behind proxies with the control plane as a
// process fit a 20,000-descriptor limit; embedded, they do not.
func TestFileNeed(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want uint64
	}{
		{Options{Workers: 1024, Transport: TCP, ControlPlane: Separate}, 256 + 19*1024},
		{Options{Workers: 1024, Transport: TCP, ControlPlane: Embedded}, 256 + 25*1024},
		{Options{Workers: 4, Transport: TCP, ControlPlane: Embedded}, 256 + 28*4},
		{Options{Workers: 4, Transport: IPC, ControlPlane: Separate}, 256 + 4*4},
	} {
		if got := fileNeed(tc.o); got != tc.want {
			t.Errorf("%+v: need %d, want %d", tc.o, got, tc.want)
		}
	}
}

// TestRaiseFileLimit raises the limit to what 1,024 workers need, or,
// where this process may not raise its hard limit, fails saying how many
// descriptors are needed and what the limit is.
func TestRaiseFileLimit(t *testing.T) {
	for _, n := range []int{1, 64, 1024} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			need := fileNeed(Options{Workers: n, Transport: TCP, ControlPlane: Embedded})
			err := raiseFileLimit(n, need)
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
