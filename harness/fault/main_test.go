package fault_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// binDir holds cmd/worker, built once by TestMain.
var binDir string

// TestMain builds the real worker program and fails the package if any
// test leaks a goroutine.
func TestMain(m *testing.M) {
	dir, err := buildBinaries()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { _ = os.RemoveAll(dir) }))
}

func buildBinaries() (string, error) {
	dir, err := os.MkdirTemp("", "nngbench-fault-")
	if err != nil {
		return "", err
	}
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "worker"), "./cmd/worker")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build worker: %w\n%s", err, out)
	}
	return dir, nil
}
