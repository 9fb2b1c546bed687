package load_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/internal/testbin"
)

// nngbench is the program peer processes run, built once by TestMain.
var nngbench string

// TestMain builds nngbench for the peer-process tests and fails the package if a run leaves a
// goroutine behind: every sender, receiver, echo, pacer and process reader must end with Run.
// Started as the harness of TestKilledHarnessLeavesNoPeer, it runs that instead.
func TestMain(m *testing.M) {
	if os.Getenv(harnessEnv) != "" {
		os.Exit(harnessMain())
	}
	dir, err := testbin.Build("nngbench")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	nngbench = filepath.Join(dir, "nngbench")
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { _ = os.RemoveAll(dir) }))
}
