package implload

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/scenario"
	"github.com/nngbench/nngbench/impl/reqrep"
)

// runReqRep sends commands to the workers, round robin by sequence
// number, through their commands proxies, and times each round trip; the
// instance endpoints go to the control plane, which places them
// (runPlaced).
func runReqRep(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error) {
	if slices.Contains(scenario.PlacedEndpoints, spec.Endpoint) {
		return runPlaced(ctx, spec, c, workers)
	}
	if spec.Via == scenario.ViaControlPlane {
		return runRelay(ctx, spec, c, workers)
	}
	cli, err := dialCommands(ctx, c, workers, spec.Timeout, spec.Concurrency)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return roundTrips(ctx, spec, workers, history.OwedOne, func(ctx context.Context, t trip) (int, error) {
		_, err := cli.Call(ctx, workers[t.to], spec.Endpoint, t.data)
		return t.to, err
	}), nil
}

// trip is one request of a round-trip workload: message seq, owed to
// worker to (round robin by seq; history.NoPeer when the control plane
// picks the worker), with data as its request.
type trip struct {
	seq  uint64
	to   int
	data json.RawMessage
}

// roundTrips drives spec's commands, each sent with call and timed from
// its send to its reply; call returns the worker that answered (for
// history.OwedOne, the one it was sent to). Bytes are the request's
// padding, as raw mode's echo counts them (result.Workload.BytesPerS),
// whichever path carried it.
func roundTrips(ctx context.Context, spec Spec, workers []string, owed history.Owed, call func(ctx context.Context, t trip) (int, error)) *engine.Outcome {
	pad := newPadding(spec.Size, spec.Seed)
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	s := newTape(spec, tl, workers, owed)
	drive(ctx, spec, tl, func(ctx context.Context, t engine.Tick) {
		to := int(history.NoPeer)
		if owed == history.OwedOne {
			to = int(t.Seq % uint64(len(workers)))
		}
		data := pad.json(t.Seq)
		actual := time.Now()
		from, err := call(ctx, trip{seq: t.Seq, to: to, data: data})
		at := time.Now()
		if err != nil && ctx.Err() != nil {
			return // cut short by the caller: neither a reply nor a failure
		}
		intended := t.Due(actual)
		s.sent(0, t.Seq, to, intended, actual, len(data))
		switch {
		case err == nil:
			s.received(history.ReceiptOp(0, t.Seq, int32(from), at.UnixNano(), len(data)), intended, actual) //nolint:gosec // from < workers
		case errors.Is(err, reqrep.ErrTimeout):
			s.failed(t.Seq, to, intended, at, true)
		default: // an error reply (for the relay, its own or the worker's it carried), a lost connection
			s.failed(t.Seq, to, intended, at, false)
		}
	})
	return s.outcome()
}
