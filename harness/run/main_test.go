package run_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/internal/testbin"
)

// binDir holds cmd/worker, built once by TestMain, for the runs that start
// a cluster.
var binDir string

func TestMain(m *testing.M) {
	dir, err := testbin.Build("worker")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { _ = os.RemoveAll(dir) }))
}
