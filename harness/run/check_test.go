package run_test

import (
	"strings"
	"testing"

	"github.com/nngbench/nngbench/harness/run"
	"github.com/nngbench/nngbench/harness/scenario"
)

// TestCheck: what the drivers would refuse after the cluster started is
// refused by the file's line and field, before anything runs.
func TestCheck(t *testing.T) {
	t.Parallel()
	head := "name: c\nduration: 1s\nworkers: 4\ncluster: {heartbeat_interval: 2s}\nworkloads:\n"
	for _, tc := range []struct {
		name, workload, want string
	}{
		{"health", "  - {pattern: reqrep, rate: 10/s}\n", ""},
		{"instances list", "  - {pattern: reqrep, rate: 10/s, endpoint: /instances/list}\n", ""},
		{"no such endpoint", "  - {pattern: reqrep, rate: 10/s, endpoint: /no/such/endpoint}\n",
			`c.yaml:6: workloads[0].endpoint: impl reqrep calls only /health, /config, /instances/list, /instances/create, /instances/delete, not "/no/such/endpoint"`},
		{"create through the control plane", "  - {pattern: reqrep, rate: 10/s, endpoint: /instances/create}\n", ""},
		{"delete through the control plane", "  - {pattern: reqrep, rate: 10/s, endpoint: /instances/delete, via: controlplane}\n", ""},
		{"config history is relayed, not driven", "  - {pattern: reqrep, rate: 10/s, endpoint: /config/history}\n",
			`c.yaml:6: workloads[0].endpoint: impl reqrep calls only /health, /config, /instances/list, /instances/create, /instances/delete, not "/config/history"`},
		{"raw calls anything", "  - {pattern: reqrep, mode: raw, rate: 10/s, endpoint: /anything}\n", ""},
		{"heartbeat at the cluster's rate", "  - {pattern: heartbeat, rate: 2/s}\n", ""},
		{"heartbeat at another rate", "  - {pattern: heartbeat, rate: 10/s}\n",
			"c.yaml:6: workloads[0].rate: 10/s, but 4 workers beating every 2s make 2/s: set cluster.heartbeat_interval to workers/rate, or leave the rate out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenario.Parse("c.yaml", []byte(head+tc.workload))
			if err != nil {
				t.Fatal(err)
			}
			err = run.Check(s)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
