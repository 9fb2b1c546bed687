package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ipc sockets go under the cluster's folder when their paths fit a socket
// address, and into a short temporary folder, removed at close, when not.
func TestSocketDir(t *testing.T) {
	short := t.TempDir()
	long := filepath.Join(short, strings.Repeat("d", maxSocketPath))
	for _, tc := range []struct {
		name, dir string
		temp      bool
	}{{"short", short, false}, {"long", long, true}} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := newNetwork(Options{Transport: IPC, Dir: tc.dir})
			if err != nil {
				t.Fatal(err)
			}
			addr := n.listenAddress("worker-1024.cmd") + ".survey"
			if len(addr)-len("ipc://") > maxSocketPath || n.tempDir != tc.temp {
				t.Errorf("socket %s (%d bytes), temporary %v; want at most %d bytes, temporary %v",
					addr, len(addr)-len("ipc://"), n.tempDir, maxSocketPath, tc.temp)
			}
			if !tc.temp && n.sockDir != filepath.Join(tc.dir, "ipc") {
				t.Errorf("sockets in %s, want %s/ipc", n.sockDir, tc.dir)
			}
			if _, err := os.Stat(n.sockDir); err != nil {
				t.Fatal(err)
			}
			if err := n.close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(n.sockDir); tc.temp != os.IsNotExist(err) {
				t.Errorf("after close: %v; want the folder removed only if temporary", err)
			}
		})
	}
}
