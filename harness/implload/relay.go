package implload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
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
	return roundTrips(ctx, spec, workers, history.OwedOne, func(ctx context.Context, t trip) (int, error) {
		req, err := json.Marshal(api.Relay{Node: workers[t.to], Endpoint: spec.Endpoint, Data: t.data})
		if err != nil {
			return t.to, err // a struct of strings and valid JSON: never
		}
		_, err = cli.Call(ctx, relayPeer, api.AdminRelay, req)
		return t.to, err
	}), nil
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
	err = greetEach(ctx, workers, " through the control plane", func(ctx context.Context, w string) error {
		data, err := json.Marshal(api.Relay{Node: w, Endpoint: api.Health})
		if err != nil {
			return err
		}
		_, err = cli.Call(ctx, relayPeer, api.AdminRelay, data)
		return err
	})
	if err != nil {
		return nil, errors.Join(err, cli.Close())
	}
	return cli, nil
}
