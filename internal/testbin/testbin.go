// Package testbin builds the module's programs for tests that run them as
// real processes (impl/e2e, harness/cluster, harness/fault).
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// Build compiles ./cmd/<name> for each name into a new temporary folder and
// returns it; the caller removes it. The programs are built without -race,
// which would double their build time in every package that starts them:
// the packages they are made of run their own tests under the race detector.
func Build(names ...string) (string, error) {
	dir, err := os.MkdirTemp("", "nngbench-bin-")
	if err != nil {
		return "", err
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("testbin: go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	for _, name := range names {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), "./cmd/"+name)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			_ = os.RemoveAll(dir)
			return "", fmt.Errorf("testbin: build %s: %w\n%s", name, err, out)
		}
	}
	return dir, nil
}

// Main is a TestMain for packages that start the programs: it builds names
// into *dir, runs the tests, fails the package if any test leaked a
// goroutine, removes the programs and exits.
func Main(m *testing.M, dir *string, names ...string) {
	d, err := Build(names...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*dir = d
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { _ = os.RemoveAll(d) }))
}
