package implload

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/breaker"
	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/retry"
)

// dialCommands returns the harness's own client of the workers' command
// sockets, one peer per worker named after it, each through the worker's
// commands proxy as the control plane's commands go. Unlike the control
// plane's client it neither retries nor breaks: every request is one
// attempt, so what the link does shows as it is. It returns once every
// worker has answered a /health, bounded by DefaultConnect.
func dialCommands(ctx context.Context, c *cluster.Cluster, workers []string, timeout time.Duration, inFlight int) (*reqrep.Client, error) {
	cli, err := reqrep.NewClient(reqrep.ClientConfig{
		Name: "implload", Timeout: timeout, MaxInFlight: inFlight,
		Retry:   retry.Policy{MaxRetries: retry.Disabled},
		Breaker: breaker.Config{FailureThreshold: math.MaxInt32},
	})
	if err != nil {
		return nil, fmt.Errorf("implload: commands client: %w", err)
	}
	for _, w := range workers {
		p := c.Proxy(w, "commands")
		if p == nil {
			return nil, errors.Join(fmt.Errorf("implload: %s has no commands proxy", w), cli.Close())
		}
		if err := cli.AddPeer(w, "tcp://"+p.Listen); err != nil {
			return nil, errors.Join(fmt.Errorf("implload: %s: %w", w, err), cli.Close())
		}
	}
	if err := greet(ctx, cli, workers); err != nil {
		return nil, errors.Join(err, cli.Close())
	}
	return cli, nil
}

// greet calls every worker's /health until it answers, so that no request
// of the run waits for a connection.
func greet(ctx context.Context, cli *reqrep.Client, workers []string) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultConnect)
	defer cancel()
	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			for {
				_, err := cli.Call(ctx, w, api.Health, nil)
				if err == nil || ctx.Err() != nil {
					if err != nil {
						errs[i] = fmt.Errorf("implload: %s never answered: %w", w, err)
					}
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
