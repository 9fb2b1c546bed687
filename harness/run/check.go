package run

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Check refuses, before anything starts, what the drivers would refuse
// once the cluster is up: an endpoint the impl reqrep driver does not
// call, and a heartbeat rate the cluster's own beats cannot make (at any
// worker count of a sweep). Each problem is a *scenario.Error naming the
// workload's line and field, joined. scenario.Load has checked the rest.
func Check(s *scenario.Scenario) error {
	var errs []error
	bad := func(i int, field, format string, a ...any) {
		errs = append(errs, &scenario.Error{File: s.File, Line: s.Workloads[i].Line,
			Field: fmt.Sprintf("workloads[%d].%s", i, field), Msg: fmt.Sprintf(format, a...)})
	}
	counts := s.Sweep
	if len(counts) == 0 {
		counts = []int{s.Workers}
	}
	interval := cmp.Or(s.Cluster.HeartbeatInterval, scenario.DefaultHeartbeatInterval)
	for i, w := range s.Workloads {
		if w.Mode != scenario.ModeImpl {
			continue
		}
		switch w.Pattern {
		case scenario.PatternReqRep:
			if ep := cmp.Or(w.Endpoint, scenario.DefaultEndpoint); !slices.Contains(implload.Endpoints, ep) {
				bad(i, "endpoint", "impl reqrep calls only %s, not %q", strings.Join(implload.Endpoints, ", "), ep)
			}
		case scenario.PatternHeartbeat:
			if w.Rate.PerSecond <= 0 {
				continue // the cluster's own rate, whatever it is
			}
			for _, n := range counts {
				own := float64(n) / interval.Seconds()
				if math.Abs(w.Rate.PerSecond-own) > implload.MaxRateMismatch*own {
					bad(i, "rate", "%g/s, but %d workers beating every %v make %g/s: set cluster.heartbeat_interval "+
						"to workers/rate, or leave the rate out", w.Rate.PerSecond, n, interval, own)
					break
				}
			}
		default: // the other patterns' drivers take whatever the file could say
		}
	}
	return errors.Join(errs...)
}
