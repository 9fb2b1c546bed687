package implload_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/implload"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Bad specs are refused before anything is sent, so no cluster is needed:
// Run checks the spec before it looks at the cluster.
func TestRunRefuses(t *testing.T) {
	ok := engine.Spec{Pattern: scenario.PatternReqRep, Rate: 10, Duration: time.Second}
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := implload.Run(t.Context(), tc.spec, nil); !errors.Is(err, tc.want) {
				t.Errorf("Run: %v, want %v", err, tc.want)
			}
		})
	}
}

// With the control plane in its own process, reqrep still runs (it goes
// straight to the workers) and the drivers that need its Go API refuse.
func TestSeparateControlPlane(t *testing.T) {
	c, err := cluster.Start(t.Context(), cluster.Options{Workers: 1, Dir: t.TempDir(), Bin: binDir,
		ControlPlane: cluster.Separate, Timing: cluster.Timing{HeartbeatInterval: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	o := run(t, c, implload.Spec{Spec: engine.Spec{Pattern: scenario.PatternReqRep, Rate: 100, Duration: 300 * time.Millisecond}})
	if s := o.Recv.Snapshot(o.End); s.Received == 0 || o.Loss.Lost != 0 {
		t.Errorf("reqrep: %d replies, loss %+v", s.Received, o.Loss)
	}
	for _, p := range []scenario.Pattern{scenario.PatternPushPull, scenario.PatternPubSub, scenario.PatternHeartbeat, scenario.PatternSurvey} {
		_, err := implload.Run(t.Context(), implload.Spec{Spec: engine.Spec{Pattern: p, Duration: time.Second}}, c)
		if !errors.Is(err, implload.ErrEmbedded) {
			t.Errorf("%s: %v, want ErrEmbedded", p, err)
		}
	}
}
