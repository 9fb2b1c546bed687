package run

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindBin(t *testing.T) {
	t.Parallel()
	beside, notExec, half := t.TempDir(), t.TempDir(), t.TempDir()
	for _, p := range programs {
		if err := os.WriteFile(filepath.Join(beside, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(notExec, p), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(half, "worker"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	t.Run("beside the executable", func(t *testing.T) {
		got, err := findBin(t.Context(), filepath.Join(beside, "nngbench"), t.TempDir(), "")
		if err != nil || got != beside {
			t.Errorf("findBin = %q, %v; want %q", got, err, beside)
		}
	})
	for name, dir := range map[string]string{"nothing beside": empty, "not executable": notExec, "worker alone": half} {
		t.Run(name+", not in the source", func(t *testing.T) {
			if _, err := findBin(t.Context(), filepath.Join(dir, "nngbench"), t.TempDir(), ""); !errors.Is(err, ErrNoBin) {
				t.Errorf("findBin: %v, want ErrNoBin", err)
			}
		})
	}
	t.Run("built from the source", func(t *testing.T) {
		root := moduleRoot(t.Context()) // the test runs inside the module
		if root == "" {
			t.Fatal("moduleRoot found no nngbench source around the test")
		}
		cache := filepath.Join(t.TempDir(), "cache")
		got, err := findBin(t.Context(), filepath.Join(empty, "nngbench"), cache, root)
		if err != nil || got != cache {
			t.Fatalf("findBin = %q, %v; want %q", got, err, cache)
		}
		// A real worker: it rejects a missing config the way cmd/worker does.
		out, err := exec.Command(filepath.Join(cache, "worker"), "-config", filepath.Join(cache, "none.json")).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "none.json") {
			t.Errorf("built worker: %v, %s", err, out)
		}
		left, _ := os.ReadDir(cache)
		if len(left) != len(programs) {
			t.Errorf("cache holds %d entries, want the %d programs alone", len(left), len(programs))
		}
	})
}

func TestModulePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, gomod, want string
		ok                bool
	}{
		{"plain", "module github.com/nngbench/nngbench\n\ngo 1.26\n", Module, true},
		{"quoted, after a comment", "// x\nmodule \"example.com/other\"\n", "example.com/other", true},
		{"none", "go 1.26\n", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".mod")
			if err := os.WriteFile(p, []byte(tc.gomod), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := modulePath(p)
			if got != tc.want || (err == nil) != tc.ok {
				t.Errorf("modulePath = %q, %v; want %q, ok %v", got, err, tc.want, tc.ok)
			}
		})
	}
}
