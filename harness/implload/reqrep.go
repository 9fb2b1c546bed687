package implload

import (
	"context"
	"errors"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
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
	s := newSink(spec, tl, workers, owedOne)
	drive(ctx, spec, tl, func(ctx context.Context, t tick) {
		peer := int(t.seq % uint64(len(workers)))
		data := pad.json(t.seq)
		actual := time.Now()
		resp, err := cli.Call(ctx, workers[peer], spec.Endpoint, data)
		at := time.Now()
		if err != nil && ctx.Err() != nil {
			return // cut short by the caller: neither a reply nor a failure
		}
		s.sent(t, actual, peer, len(data))
		switch {
		case err == nil:
			s.received(peer, t.seq, t.due(actual), actual, at, len(resp.Data))
		case errors.Is(err, reqrep.ErrTimeout):
			s.failed(peer, t.due(actual), true)
		default: // an error reply, a lost connection
			s.failed(peer, t.due(actual), false)
		}
	})
	return s.outcome(), nil
}
