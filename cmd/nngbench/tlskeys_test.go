package main

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nngbench/nngbench/internal/testbin"
	"github.com/nngbench/nngbench/internal/wait"
)

// keysOnDisk lists the files under dir that hold a private key (by name
// or by content).
func keysOnDisk(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return err
		}
		if strings.HasSuffix(path, ".key") {
			found = append(found, path)
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte("PRIVATE KEY")) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// A tls+tcp run's private keys never reach the disk, so that an nngbench
// killed with SIGKILL (which can clean nothing up) leaves none behind in
// cluster/tls: every program reads its key from a pipe it inherits.
// Before, the keys sat in cluster/tls for the whole run and stayed there.
func TestTLSKeysNotLeftByKill9(t *testing.T) {
	bin, err := testbin.Build("nngbench", "worker", "controlplane")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(bin) })
	for _, tc := range []struct{ name, cluster string }{
		{"embedded control plane", ""},
		{"control plane process", "cluster: {controlplane: process}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeFile(t, dir, "tlskeys.yaml", `name: tlskeys
transport: tls+tcp
workers: 2
duration: 60s
`+tc.cluster+`workloads:
  - {name: cmds, pattern: reqrep, mode: impl, rate: 100/s}
`)
			out := filepath.Join(dir, "out")
			cmd := exec.Command(filepath.Join(bin, "nngbench"), "run", file, "--out", out)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string)
			go func() {
				defer close(lines)
				s := bufio.NewScanner(stderr)
				for s.Scan() {
					lines <- s.Text()
				}
			}()
			var pids map[string]int
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				for _, pid := range pids {
					_ = syscall.Kill(-pid, syscall.SIGKILL)
				}
				for range lines {
				}
				_ = cmd.Wait()
			})
			awaitLine(t, lines, 60*time.Second, func(l string) bool { return strings.Contains(l, " measuring ") })
			clusterDir := filepath.Join(out, "tlskeys", "cluster")
			pids = readyPids(t, clusterDir)
			if crts, _ := filepath.Glob(filepath.Join(clusterDir, "tls", "*.crt")); len(crts) < 3 {
				t.Fatalf("certificates %v: not a tls+tcp run?", crts)
			}
			if keys := keysOnDisk(t, out); len(keys) != 0 {
				t.Errorf("private keys on disk mid-run: %v", keys)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			for range lines {
			}
			_ = cmd.Wait()
			wait.Until(t, 10*time.Second, "the cluster's processes dead", func() bool {
				for _, pid := range pids {
					if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) && procState(pid) != "Z" {
						return false
					}
				}
				return true
			})
			if keys := keysOnDisk(t, out); len(keys) != 0 {
				t.Errorf("private keys left after kill -9 of nngbench: %v", keys)
			}
		})
	}
}
