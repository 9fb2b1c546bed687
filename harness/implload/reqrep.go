package implload

import (
	"context"
	"errors"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/impl/reqrep"
)

// runReqRep sends commands to the workers, round robin by sequence
// number, through their commands proxies, and times each round trip.
func runReqRep(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*load.Outcome, error) {
	cli, err := dialCommands(ctx, c, workers, spec.Timeout, spec.Concurrency)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	pad := newPadding(spec.Size, spec.Seed)
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	s := newTape(spec, tl, workers, history.OwedOne)
	drive(ctx, spec, tl, func(ctx context.Context, t tick) {
		peer := int(t.seq % uint64(len(workers)))
		data := pad.json(t.seq)
		actual := time.Now()
		resp, err := cli.Call(ctx, workers[peer], spec.Endpoint, data)
		at := time.Now()
		if err != nil && ctx.Err() != nil {
			return // cut short by the caller: neither a reply nor a failure
		}
		intended := t.due(actual)
		s.sent(0, t.seq, peer, intended, actual, len(data))
		switch {
		case err == nil:
			s.received(history.ReceiptOp(0, t.seq, int32(peer), at.UnixNano(), len(resp.Data)), intended, actual) //nolint:gosec // peer < workers
		case errors.Is(err, reqrep.ErrTimeout):
			s.failed(t.seq, peer, intended, at, true)
		default: // an error reply, a lost connection
			s.failed(t.seq, peer, intended, at, false)
		}
	})
	return s.outcome(), nil
}
