package implload

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/reqrep"
)

// runReqRep sends commands to the workers, round robin by sequence
// number, through their commands proxies, and times each round trip.
func runReqRep(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error) {
	if spec.Via == scenario.ViaControlPlane {
		return runRelay(ctx, spec, c, workers)
	}
	cli, err := dialCommands(ctx, c, workers, spec.Timeout, spec.Concurrency)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return roundTrips(ctx, spec, workers, func(ctx context.Context, peer int, data json.RawMessage) error {
		_, err := cli.Call(ctx, workers[peer], spec.Endpoint, data)
		return err
	}), nil
}

// roundTrips drives spec's commands, round robin over the workers by
// sequence number, each sent with call and timed from its send to its
// reply. Bytes are the request's padding, as raw mode's echo counts them
// (result.Workload.BytesPerS), whichever path carried it.
func roundTrips(ctx context.Context, spec Spec, workers []string, call func(ctx context.Context, peer int, data json.RawMessage) error) *engine.Outcome {
	pad := newPadding(spec.Size, spec.Seed)
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	s := newTape(spec, tl, workers, history.OwedOne)
	drive(ctx, spec, tl, func(ctx context.Context, t engine.Tick) {
		peer := int(t.Seq % uint64(len(workers)))
		data := pad.json(t.Seq)
		actual := time.Now()
		err := call(ctx, peer, data)
		at := time.Now()
		if err != nil && ctx.Err() != nil {
			return // cut short by the caller: neither a reply nor a failure
		}
		intended := t.Due(actual)
		s.sent(0, t.Seq, peer, intended, actual, len(data))
		switch {
		case err == nil:
			s.received(history.ReceiptOp(0, t.Seq, int32(peer), at.UnixNano(), len(data)), intended, actual) //nolint:gosec // peer < workers
		case errors.Is(err, reqrep.ErrTimeout):
			s.failed(t.Seq, peer, intended, at, true)
		default: // an error reply (for the relay, its own or the worker's it carried), a lost connection
			s.failed(t.Seq, peer, intended, at, false)
		}
	})
	return s.outcome()
}
