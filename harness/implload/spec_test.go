package implload_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Bad specs are refused before anything is sent, so no cluster is needed:
// Run checks the spec before it looks at the cluster.
func TestRunRefuses(t *testing.T) {
	ok := load.Spec{Pattern: scenario.PatternReqRep, Rate: 10, Duration: time.Second}
	with := func(f func(*implload.Spec)) implload.Spec {
		s := implload.Spec{Spec: ok}
		f(&s)
		return s
	}
	for _, tc := range []struct {
		name string
		spec implload.Spec
		want error
	}{
		{"bus", with(func(s *implload.Spec) { s.Pattern = scenario.PatternBus }), implload.ErrUnsupported},
		{"pair", with(func(s *implload.Spec) { s.Pattern = scenario.PatternPair }), implload.ErrUnsupported},
		{"no duration", with(func(s *implload.Spec) { s.Duration = 0 }), implload.ErrSpec},
		{"negative rate", with(func(s *implload.Spec) { s.Rate = -1 }), implload.ErrSpec},
		{"endpoint that changes state", with(func(s *implload.Spec) { s.Endpoint = "/instances/create" }), implload.ErrSpec},
		{"unknown task", with(func(s *implload.Spec) { s.Pattern, s.Task = scenario.PatternPushPull, "compile" }), implload.ErrSpec},
		{"kill", with(func(s *implload.Spec) { s.Kill = &load.Kill{} }), implload.ErrSpec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := implload.Run(t.Context(), tc.spec, nil); !errors.Is(err, tc.want) {
				t.Errorf("Run: %v, want %v", err, tc.want)
			}
		})
	}
}
