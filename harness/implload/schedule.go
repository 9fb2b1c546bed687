package implload

import (
	"context"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/record"
)

// drive calls fire for every message of the run, on s.Concurrency workers
// of the engine's one loop, no goroutine per message (open loop: at most
// that many outstanding, the next message waiting when all are; closed
// loop: each back to back until tl.End), and returns once every call has
// returned.
func drive(ctx context.Context, s Spec, tl record.Timeline, fire func(context.Context, engine.Tick)) {
	engine.Run(ctx, s.Spec, tl, func(ctx context.Context, _ int, src engine.Source) {
		for {
			t, ok := src.Next(ctx)
			if !ok {
				return
			}
			fire(ctx, t)
		}
	})
}
