package fault

import (
	"fmt"
	"maps"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// record is the result record of fault i before it runs. Its name is
// "<kind>-<n>", n counting from 1 in scenario order.
func record(i int, f scenario.Fault) result.Fault {
	targets := f.Targets
	if f.Controlplane {
		targets = append(targets[:len(targets):len(targets)], ControlPlane)
	}
	return result.Fault{
		Name: fmt.Sprintf("%s-%d", f.Kind, i+1), Kind: string(f.Kind),
		Target: strings.Join(targets, ","), Link: string(f.Link), Direction: string(f.Direction),
		Params: params(f), AtS: f.At.Seconds(), ForS: f.For.Seconds(),
	}
}

// params are the fault's parameters with their units in the key.
func params(f scenario.Fault) map[string]any {
	p := map[string]any{}
	if f.Kind.IsToxic() {
		p["toxicity"] = f.Toxicity
	}
	num := func(key string, v int64) {
		p[key] = float64(v)
	}
	switch f.Kind {
	case scenario.FaultLatency:
		num("latency_ms", f.Latency.Milliseconds())
		num("jitter_ms", f.Jitter.Milliseconds())
	case scenario.FaultBandwidth:
		num("rate_bytes_per_s", f.Rate)
	case scenario.FaultSlowClose:
		num("delay_ms", f.Delay.Milliseconds())
	case scenario.FaultTimeout, scenario.FaultResetPeer:
		num("timeout_ms", f.Timeout.Milliseconds())
	case scenario.FaultSlicer:
		num("average_size_bytes", f.AverageSize)
		num("size_variation_bytes", f.SizeVariation)
		num("delay_us", f.Delay.Microseconds())
	case scenario.FaultLimitData:
		num("bytes", f.Bytes)
	case scenario.FaultKill:
		p["restart_after_s"] = f.RestartAfter.Seconds()
	default: // partition, pause, restart take no parameters
	}
	return p
}

func clone(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return maps.Clone(m)
}
