package cluster

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
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

// freePort's ports are free and below the ephemeral range, where nothing
// listening on port 0 or connecting out can take them.
func TestFreePort(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		addr, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		_, p, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		if port, _ := strconv.Atoi(p); port < lowestPort || port >= ephemeralStart() {
			t.Fatalf("port %d outside [%d, %d)", port, lowestPort, ephemeralStart())
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s is not free: %v", addr, err)
		}
		_ = ln.Close()
		seen[addr] = true
	}
	if len(seen) < 15 {
		t.Errorf("%d distinct ports in 20: not spread over the range", len(seen))
	}
}
