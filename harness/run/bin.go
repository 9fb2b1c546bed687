package run

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Module is the module path of nngbench, which FindBin builds from.
const Module = "github.com/nngbench/nngbench"

// programs are what a cluster starts: the workers, and the control plane
// when a scenario runs it as a process.
var programs = []string{"worker", "controlplane"}

// FindBin returns a folder holding the worker and controlplane programs,
// looking in order:
//
//  1. beside the running executable: `go build -o bin/ ./cmd/...` puts
//     nngbench and worker in one folder, and so does an install;
//  2. when the working directory is inside nngbench's source, in
//     os.UserCacheDir()/nngbench/bin, where it builds ./cmd/worker and
//     ./cmd/controlplane from
//     that source with `go build` (quick after the first time: Go caches
//     the compiled packages). This is what `go run ./cmd/nngbench` uses.
//
// The error wraps ErrNoBin when neither applies.
func FindBin(ctx context.Context) (string, error) {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		exe = "" // no executable to look beside: try building
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return findBin(ctx, exe, filepath.Join(cache, "nngbench", "bin"), moduleRoot(ctx))
}

// findBin is FindBin with its inputs given: the executable's path, the
// cache folder, and the root of nngbench's source ("" when not in it).
func findBin(ctx context.Context, exe, cache, root string) (string, error) {
	if exe != "" {
		if dir := filepath.Dir(exe); hasPrograms(dir) {
			return dir, nil
		}
	}
	if root == "" {
		return "", fmt.Errorf("%w beside %q, and the working directory is not in %s's source to build it: "+
			"go build -o DIR/ ./cmd/... and run DIR/nngbench", ErrNoBin, exe, Module)
	}
	for _, p := range programs {
		if err := build(ctx, root, cache, p); err != nil {
			return "", err
		}
	}
	return cache, nil
}

func hasPrograms(dir string) bool {
	for _, p := range programs {
		if !isProgram(filepath.Join(dir, p)) {
			return false
		}
	}
	return true
}

// build compiles ./cmd/<name> of root into dir/<name>, through a temporary
// folder in dir and a rename, so that two runs building at once never
// start a half-written program.
func build(ctx context.Context, root, dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("run: bin: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return fmt.Errorf("run: bin: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }() // empty after the rename; left over only on failure
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(tmp, name), "./cmd/"+name)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("run: go build ./cmd/%s in %s: %w\n%s", name, root, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("run: bin: %w", err)
	}
	return nil
}

// moduleRoot is the root of nngbench's source holding the working
// directory, or "" (not in a module, another module, or no go command).
func moduleRoot(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return ""
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return ""
	}
	if path, err := modulePath(gomod); err != nil || path != Module {
		return ""
	}
	return filepath.Dir(gomod)
}

// modulePath reads the module directive of a go.mod file.
func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", errors.New("run: no module directive in " + gomod)
}

// isProgram says whether path is an executable file.
func isProgram(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
