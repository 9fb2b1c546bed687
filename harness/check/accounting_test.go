package check_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/impl/api"
)

// TestAccounting: each way an instance of the run can be unaccounted for
// is named, and the figures say how many.
func TestAccounting(t *testing.T) {
	t.Parallel()
	made := check.Made{Created: []string{"i-1", "i-2"}}
	for _, tc := range []struct {
		name   string
		made   check.Made
		change func(f *fake)
		count  string // the count that must be 1 when not ok
		detail string
	}{
		{"accounted for", made, func(*fake) {}, "", ""},
		{"on two nodes", made, func(f *fake) { f.held["worker-2"] = append(f.held["worker-2"], "i-1") },
			"duplicated", "duplicated: i-1@worker-1+worker-2"},
		{"not listed", made, func(f *fake) { delete(f.placed, "i-2") }, "missing", "missing: i-2 (on worker-2, not listed)"},
		{"on no node", made, func(f *fake) { f.held["worker-2"] = nil }, "missing", "missing: i-2 (listed on worker-2, on no online node)"},
		{"on an offline node only", made, func(f *fake) { f.nodes["worker-2"] = api.StatusOffline },
			"missing", "missing: i-2 (listed on worker-2, on no online node)"},
		{"gone altogether", made, func(f *fake) { delete(f.placed, "i-2"); f.held["worker-2"] = nil },
			"missing", "missing: i-2 (not listed, on no online node)"},
		{"deleted and gone", check.Made{Created: made.Created, Deleted: []string{"i-2"}},
			func(f *fake) { delete(f.placed, "i-2"); f.held["worker-2"] = nil }, "", ""},
		{"deleted, still there", check.Made{Created: made.Created, Deleted: []string{"i-2"}}, func(*fake) {},
			"undeleted", "deleted but still there: i-2@worker-2+the registry's worker-2"},
		{"uncertain and whole", check.Made{Created: []string{"i-1"}, Uncertain: []string{"i-2"}}, func(*fake) {}, "", ""},
		{"uncertain and gone", check.Made{Created: made.Created, Uncertain: []string{"i-9"}}, func(*fake) {}, "", ""},
		{"uncertain, half made", check.Made{Created: []string{"i-1"}, Uncertain: []string{"i-2"}},
			func(f *fake) { delete(f.placed, "i-2") }, "missing", "missing: i-2 (on worker-2, not listed)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := twoWorkers()
			f.set(tc.change)
			c := check.Accounting(t.Context(), f, tc.made, 120*time.Millisecond)
			if ok := tc.count == ""; c.OK != ok {
				t.Fatalf("ok = %v, want %v: %+v", c.OK, ok, c)
			}
			if c.Name != "accounting" || c.Counts["created"] != int64(len(tc.made.Created)) {
				t.Errorf("%s: counts %v, want created = %d", c.Name, c.Counts, len(tc.made.Created))
			}
			if tc.count != "" && (c.Counts[tc.count] != 1 || !strings.Contains(c.Detail, tc.detail)) {
				t.Errorf("counts %v, detail %q: want %s = 1 and %q", c.Counts, c.Detail, tc.count, tc.detail)
			}
		})
	}
}

// TestAccountingFails: through the real API, an instance the control
// plane placed on one worker and created on the other as well, and one
// deleted from its worker behind the control plane's back, are named by
// the check, which passed before. The workers' heartbeats links are cut
// first, with a heartbeat timeout longer than the test, so that no report
// lets the control plane repair either while the check looks.
func TestAccountingFails(t *testing.T) {
	c, err := cluster.Start(t.Context(), cluster.Options{
		Workers: 2, Dir: t.TempDir(), Bin: binDir,
		Timing: cluster.Timing{HeartbeatInterval: beat, HeartbeatTimeout: time.Minute, RequestTimeout: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	var made check.Made
	on := map[string]string{} // instance -> worker
	for _, id := range []string{"acct-1", "acct-2"} {
		inst, err := c.CreateInstance(t.Context(), api.CreateInstance{ID: id, Image: "nginx"})
		if err != nil {
			t.Fatal(err)
		}
		made.Created, on[id] = append(made.Created, id), inst.Node
	}
	if ok := check.Accounting(t.Context(), c, made, 5*time.Second); !ok.OK || ok.Counts["listed"] != 2 {
		t.Fatalf("before: %+v", ok)
	}
	for _, w := range c.Workers() {
		if err := c.Proxy(w, "heartbeats").Disable(); err != nil {
			t.Fatal(err)
		}
	}
	other := map[string]string{"worker-1": "worker-2", "worker-2": "worker-1"}
	if err := c.Call(t.Context(), other[on["acct-1"]], api.InstancesCreate, api.CreateInstance{ID: "acct-1", Image: "nginx"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(t.Context(), on["acct-2"], api.InstancesDelete, api.DeleteInstance{ID: "acct-2"}, nil); err != nil {
		t.Fatal(err)
	}
	bad := check.Accounting(t.Context(), c, made, 300*time.Millisecond)
	t.Logf("%v: %s", bad.Counts, bad.Detail)
	if bad.OK || bad.Counts["duplicated"] != 1 || bad.Counts["missing"] != 1 {
		t.Fatalf("want one duplicated and one missing: %+v", bad)
	}
	for _, want := range []string{"acct-1@worker-1+worker-2", "acct-2 (listed on " + on["acct-2"] + ", on no online node)"} {
		if !strings.Contains(bad.Detail, want) {
			t.Errorf("detail %q does not name %q", bad.Detail, want)
		}
	}
}
