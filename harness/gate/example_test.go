package gate_test

import (
	"fmt"

	"github.com/nngbench/nngbench/harness/gate"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// The runner evaluates a scenario's gates after the run and exits 1 if any
// failed.
func ExampleEvaluate() {
	r := &result.Result{Scenario: "smoke", Valid: true, Workloads: []result.Workload{{
		Name: "reqrep", Model: result.ModelOpen, Sent: 1000, Received: 990, Lost: 10,
		SendRate: 100, RecvRate: 99, Latency: result.Percentiles{P50: 800, P99: 12_000, Count: 990}, Valid: true,
	}}}
	gates := gate.Evaluate(r, []scenario.Gate{
		{Expr: "reqrep.p99 < 50ms"},
		{Expr: "reqrep.lost == 0"},
		{Expr: "reqrep.recv_rate >= 0.99 * reqrep.send_rate"},
		{Expr: "reqrep.p99 < 50"},
	})
	for _, g := range gates {
		fmt.Printf("%-5v %-45s %s\n", g.OK, g.Expr, g.Detail)
	}
	fmt.Println("failed:", gate.Failed(gates))
	// Output:
	// true  reqrep.p99 < 50ms                             reqrep.p99 = 12ms, < 50ms
	// false reqrep.lost == 0                              reqrep.lost = 10, not == 0
	// true  reqrep.recv_rate >= 0.99 * reqrep.send_rate   reqrep.recv_rate = 99/s, >= 0.99 * reqrep.send_rate = 99/s
	// false reqrep.p99 < 50                               col 14: reqrep.p99 is a latency: give 50 a unit (us, ms or s)
	// failed: 2
}
