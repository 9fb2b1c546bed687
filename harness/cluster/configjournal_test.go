package cluster_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/internal/wait"
)

// A worker's config receipts outlive a kill -9: ConfigReceipts reads those
// of both process instances, numbered per instance, and they are the
// versions the worker's log says it received. The inproc workers, which
// cannot be killed, journal too.
func TestConfigReceiptsAcrossKill(t *testing.T) {
	for _, tc := range []struct {
		transport string
		kill      bool
	}{
		{cluster.TCP, true},
		{cluster.Inproc, false},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			c, err := cluster.Start(t.Context(), cluster.Options{
				Workers: 1, Transport: tc.transport, Timing: fastTiming(), Dir: t.TempDir(), Bin: binDir,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := c.Close(context.Background()); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			const w = "worker-1"
			if got, err := c.ConfigReceipts("worker-9"); got != nil || err != nil {
				t.Errorf("receipts of a worker without a journal: %v, %v; want none", got, err)
			}
			publish := func(n int) uint64 {
				t.Helper()
				var s api.ConfigSnapshot
				for i := range n {
					if s, err = c.ControlPlane().SetConfig(t.Context(), map[string]string{"k": strconv.Itoa(i)}); err != nil {
						t.Fatal(err)
					}
				}
				return s.Version
			}
			boots := 1
			waitApplied(t, c, w, 0, publish(3))
			if tc.kill {
				p := c.Worker(w)
				if err := p.Kill(); err != nil {
					t.Fatal(err)
				}
				v := publish(2) // missed: the restarted worker fetches it on registering
				if err := p.Restart(t.Context()); err != nil {
					t.Fatal(err)
				}
				waitApplied(t, c, w, 1, v)
				boots = 2
			}
			waitApplied(t, c, w, boots-1, publish(2))

			got, err := c.ConfigReceipts(w)
			if err != nil {
				t.Fatal(err)
			}
			journal := map[string]map[uint64]bool{api.ConfigViaBroadcast: {}, api.ConfigViaSnapshot: {}}
			var n []uint64 // receipts per boot
			for _, r := range got {
				if r.Boot == len(n) {
					n = append(n, 0)
				}
				if r.Boot != len(n)-1 || r.N != n[r.Boot]+1 {
					t.Fatalf("receipt %+v after %d of boot %d", r, n[len(n)-1], len(n)-1)
				}
				n[r.Boot]++
				journal[r.Via][r.Version] = true
			}
			if len(n) != boots {
				t.Errorf("receipts of %d boots, want %d: %+v", len(n), boots, got)
			}
			logged := loggedVersions(t, filepath.Join(c.Dir(), w+".log"))
			for via, versions := range journal {
				if !maps.Equal(versions, logged[via]) {
					t.Errorf("%s versions: journal %v, log %v", via, slices.Sorted(maps.Keys(versions)), slices.Sorted(maps.Keys(logged[via])))
				}
			}
			// The running instance's history is the journal's last boot.
			var h api.ConfigHistory
			if err := c.Call(t.Context(), w, api.ConfigHistoryGet, nil, &h); err != nil {
				t.Fatal(err)
			}
			if last := got[len(got)-1]; h.Boot != last.BootID || h.Last != last.N {
				t.Errorf("history boot %q up to %d, journal's last receipt %+v", h.Boot, h.Last, last)
			}
		})
	}
}

// waitApplied waits until the worker's journal has, in boot, version
// applied, and its log says so (just after the journal line is written).
func waitApplied(t *testing.T, c *cluster.Cluster, worker string, boot int, version uint64) {
	t.Helper()
	log := filepath.Join(c.Dir(), worker+".log")
	wait.Untilf(t, 10*time.Second, func() bool {
		rs, err := c.ConfigReceipts(worker)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(rs, func(r cluster.ConfigReceipt) bool { return r.Boot == boot && r.Version == version && r.Applied })
		logged := loggedVersions(t, log)
		return i >= 0 && (logged[api.ConfigViaBroadcast][version] || logged[api.ConfigViaSnapshot][version])
	}, "%s: version %d applied in boot %d, journaled and logged", worker, version, boot)
}

var (
	logBroadcast = regexp.MustCompile(`worker: (?:Applied config version (\d+)|Config version (\d+) follows \d+: fetching the latest)$`)
	logSnapshot  = regexp.MustCompile(`worker: Applied config version (\d+) \(snapshot\)$`)
)

// loggedVersions reads the config versions the worker's log (every run of
// it) says it received, by api.ConfigVia*. Stale broadcasts are not
// logged; the tests publish none.
func loggedVersions(t *testing.T, path string) map[string]map[uint64]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[uint64]bool{api.ConfigViaBroadcast: {}, api.ConfigViaSnapshot: {}}
	add := func(via, digits string) {
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out[via][v] = true
	}
	for _, m := range strings.Split(string(b), "\n") {
		if s := logSnapshot.FindStringSubmatch(m); s != nil {
			add(api.ConfigViaSnapshot, s[1])
		} else if s := logBroadcast.FindStringSubmatch(m); s != nil {
			add(api.ConfigViaBroadcast, s[1]+s[2])
		}
	}
	return out
}
