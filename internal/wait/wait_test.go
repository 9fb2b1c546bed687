package wait_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/internal/wait"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestUntilReturnsOnceTrue(t *testing.T) {
	var n atomic.Int32
	took := wait.Until(t, time.Second, "three polls", func() bool { return n.Add(1) >= 3 })
	if n.Load() != 3 || took <= 0 || took >= time.Second {
		t.Fatalf("polled %d times in %v", n.Load(), took)
	}
}

// recorder catches Fatalf so the failure path can be checked.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = strings.TrimSpace(strings.ReplaceAll(format, "%s: not within %v", "")) + "|" + args[0].(string)
	panic(r)
}

func TestUntilFailsAtDeadline(t *testing.T) {
	r := &recorder{TB: t}
	start := time.Now()
	func() {
		defer func() {
			if p := recover(); p != r {
				t.Fatalf("no failure: %v", p)
			}
		}()
		wait.Untilf(r, 20*time.Millisecond, func() bool { return false }, "worker-%d online", 2)
	}()
	if r.msg != "|worker-2 online" || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("failed with %q after %v", r.msg, time.Since(start))
	}
}
