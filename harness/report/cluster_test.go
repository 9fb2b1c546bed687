package report_test

import (
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// TestClusterTable: a run that recorded its cluster shows it as one row,
// with the control plane's figures or "embedded" where it had none; a run
// without one shows no table.
func TestClusterTable(t *testing.T) {
	cpu, rss := 12.5, 40.0
	for _, tc := range []struct {
		name    string
		cluster *result.Cluster
		want    string // a row; "" for no table
	}{
		{"none", nil, ""},
		{"process", &result.Cluster{Workers: 1024, ReadyS: 41.234, OnlineS: 47.5, WorkerRSSMeanMiB: 11.25, WorkerRSSMaxMiB: 12.5,
			ControlPlaneRSSMiB: &rss, ControlPlaneCPUPct: &cpu,
			Heartbeats: result.Beats{IntervalS: 10, Handled: 3072, MaxGapS: 10.04}},
			"| 1024 | 41.23 | 47.50 | 11.2 | 12.5 | 40.0 | 12.5 | 3072 | 0 | 10.04 |"},
		{"embedded", &result.Cluster{Workers: 2, ReadyS: 0.1, OnlineS: 0.3, WorkerRSSMeanMiB: 10, WorkerRSSMaxMiB: 10,
			Heartbeats: result.Beats{IntervalS: 0.1, Handled: 40, Late: 2, MaxGapS: 0.5}},
			"| 2 | 0.10 | 0.30 | 10.0 | 10.0 | embedded | embedded | 40 | 2 | 0.50 |"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fixture()
			r.Cluster = tc.cluster
			md := string(report.Markdown(r))
			has := strings.Contains(md, "## The cluster\n")
			if has != (tc.want != "") {
				t.Fatalf("cluster section present %v, want %v", has, tc.want != "")
			}
			if tc.want != "" && !strings.Contains(md, tc.want) {
				t.Errorf("no row %q in:\n%s", tc.want, md)
			}
			sw, err := report.SweepMarkdown([]*result.Result{r})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(sw), "## The cluster at each size"); got != (tc.want != "") {
				t.Errorf("sweep's cluster section present %v, want %v", got, tc.want != "")
			}
		})
	}
}
