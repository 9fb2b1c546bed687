package config_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/internal/testbin"
)

// TestProgramsRefuseHostileConfigs runs the real control plane and worker
// on hostile configs: each must exit 2 at once, naming the file, the line
// and the field, in bounded memory. The 200,000-deep file once took the
// control plane to 24 GB until the kernel killed it; a 50 MB node_id
// started, then failed on every message.
func TestProgramsRefuseHostileConfigs(t *testing.T) {
	bin, err := testbin.Build("controlplane", "worker")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(bin) })
	dir := t.TempDir()
	for _, tc := range []struct {
		name, doc string
		want      string // in stderr, after the file's path
	}{
		{"200,000 deep", deep(200_000, "[", "]"), ":1: messaging" + strings.Repeat("[0]", 31) + ": nested more than 32 deep"},
		{"repeated key", "{\n\"node_id\": \"a\",\n\"node_id\": \"b\"}", ":3: node_id: repeated key (first at line 2)"},
		{"long node_id", `{"node_id": "` + strings.Repeat("w", 4097) + `"}`, ":1: node_id: 4097 bytes long: the limit is 4096"},
		{"bad node_id", "{\n\"node_id\": \"../w\"}", `:2: node_id: bad name "../w"`},
		{"50 MB node_id", `{"node_id": "` + strings.Repeat("w", 50<<20) + `"}`, ": file larger than 1048576 bytes"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, prog := range []string{"controlplane", "worker"} {
			t.Run(tc.name+"/"+prog, func(t *testing.T) {
				code, stderr, wall, maxRSS := runProgram(t, filepath.Join(bin, prog), path)
				t.Logf("exit %d in %v, max RSS %d MB", code, wall.Round(time.Millisecond), maxRSS>>20)
				if code != 2 {
					t.Errorf("exit %d, want 2; stderr:\n%s", code, trim(stderr))
				}
				if !strings.Contains(stderr, path+tc.want) {
					t.Errorf("stderr lacks %q:\n%s", trim(path+tc.want), trim(stderr))
				}
				if wall > time.Second {
					t.Errorf("took %v, want under 1 s", wall)
				}
				if maxRSS > 100<<20 {
					t.Errorf("max RSS %d MB, want under 100 MB", maxRSS>>20)
				}
			})
		}
	}
}

// runProgram runs prog -config path through this test binary as a small
// parent (reportRusage) and returns its exit code, stderr, wall time and
// peak resident memory in bytes. A program that hangs is killed after 30 s.
func runProgram(t *testing.T, prog, path string) (int, string, time.Duration, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-config", path)
	// A parent built with -race would sleep 1 s at exit (atexit_sleep_ms).
	cmd.Env = append(os.Environ(), rusageEnv+"="+prog, "GORACE=atexit_sleep_ms=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", prog, err, trim(stderr.String()))
	}
	var code int
	var kib, ns int64
	if _, err := fmt.Sscan(stdout.String(), &code, &kib, &ns); err != nil {
		t.Fatalf("reading %q: %v", stdout.String(), err)
	}
	return code, stderr.String(), time.Duration(ns), kib << 10
}
