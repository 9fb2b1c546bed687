package implload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
)

// relayPeer is the control plane, as the relay client's only peer.
const relayPeer = "controlplane"

// runRelay sends each command through the control plane's relay
// (api.AdminRelay) to the worker whose turn it is, round robin by
// sequence number as the direct driver does: client -> control plane ->
// worker -> control plane -> client, over the control plane's retrying,
// breaker-guarded client to each worker, whose link goes through the
// worker's commands proxy. A round trip is timed from the client's send
// to the relayed reply.
func runRelay(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error) {
	cli, err := dialRelay(ctx, c, workers, spec.Timeout, spec.Concurrency)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	pad := newPadding(spec.Size, spec.Seed)
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	s := newTape(spec, tl, workers, history.OwedOne)
	drive(ctx, spec, tl, func(ctx context.Context, t engine.Tick) {
		peer := int(t.Seq % uint64(len(workers)))
		data, err := json.Marshal(api.Relay{Node: workers[peer], Endpoint: spec.Endpoint, Data: pad.json(t.Seq)})
		if err != nil {
			panic(err) // a struct of strings and valid JSON always marshals
		}
		actual := time.Now()
		resp, err := cli.Call(ctx, relayPeer, api.AdminRelay, data)
		at := time.Now()
		if err != nil && ctx.Err() != nil {
			return // cut short by the caller: neither a reply nor a failure
		}
		intended := t.Due(actual)
		s.sent(0, t.Seq, peer, intended, actual, len(data))
		switch {
		case err == nil:
			s.received(history.ReceiptOp(0, t.Seq, int32(peer), at.UnixNano(), len(resp.Data)), intended, actual) //nolint:gosec // peer < workers
		case errors.Is(err, reqrep.ErrTimeout):
			s.failed(t.Seq, peer, intended, at, true)
		default: // an error reply (the relay's, or the worker's it carried), a lost connection
			s.failed(t.Seq, peer, intended, at, false)
		}
	})
	return s.outcome(), nil
}

// dialRelay is a client of the control plane's admin socket, with a relay
// of /health to every worker answered first, so that no request of the
// run waits for a connection, on either hop.
func dialRelay(ctx context.Context, c *cluster.Cluster, workers []string, timeout time.Duration, inFlight int) (*reqrep.Client, error) {
	admin := c.Addresses()["admin"]
	if admin == "" {
		return nil, fmt.Errorf("implload: the control plane has no admin address")
	}
	cli, err := reqrep.NewClient(reqrep.ClientConfig{
		Name: "implload-relay", Timeout: timeout, MaxInFlight: inFlight, Transport: c.ClientTransport(),
		Retry:   retry.Policy{MaxRetries: retry.Disabled},
		Breaker: breaker.Config{FailureThreshold: math.MaxInt32},
	})
	if err != nil {
		return nil, fmt.Errorf("implload: relay client: %w", err)
	}
	if err := cli.AddPeer(relayPeer, admin); err != nil {
		return nil, errors.Join(fmt.Errorf("implload: relay client: %w", err), cli.Close())
	}
	gctx, cancel := context.WithTimeout(ctx, DefaultConnect)
	defer cancel()
	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		data, err := json.Marshal(api.Relay{Node: w, Endpoint: api.Health})
		if err != nil {
			return nil, errors.Join(err, cli.Close())
		}
		wg.Go(func() {
			for {
				_, err := cli.Call(gctx, relayPeer, api.AdminRelay, data)
				if err == nil || gctx.Err() != nil {
					if err != nil {
						errs[i] = fmt.Errorf("implload: %s never answered through the control plane: %w", w, err)
					}
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, errors.Join(err, cli.Close())
	}
	return cli, nil
}
