package implload_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/internal/testbin"
)

// binDir holds cmd/controlplane and cmd/worker, built once by TestMain.
var binDir string

// TestMain builds the real programs (without -race: see internal/testbin)
// and fails the package if any test leaks a goroutine.
func TestMain(m *testing.M) {
	dir, err := testbin.Build("controlplane", "worker")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { _ = os.RemoveAll(dir) }))
}
