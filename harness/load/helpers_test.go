package load_test

import (
	"context"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/record"
)

// run runs spec under a deadline well past its planned length, so a hang fails instead of
// stalling the suite.
func run(t *testing.T, spec load.Spec) *engine.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spec.Warmup+spec.Duration+30*time.Second)
	defer cancel()
	o, err := load.Run(ctx, spec)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return o
}

// snapshots summarises both sides at the window's end.
func snapshots(o *engine.Outcome) (send, recv record.Summary) {
	return o.Send.Snapshot(o.End), o.Recv.Snapshot(o.End)
}
