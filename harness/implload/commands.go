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
// sockets, one peer per worker named after it, each at the worker's
// cluster.CommandAddress (through its commands proxy, as the control
// plane's commands go, where the transport has proxies), with the
// cluster's client options (its certificate, with tls+tcp). Unlike the control
// plane's client it neither retries nor breaks: every request is one
// attempt, so what the link does shows as it is. It returns once every
// worker has answered a /health, bounded by DefaultConnect.
func dialCommands(ctx context.Context, c *cluster.Cluster, workers []string, timeout time.Duration, inFlight int) (*reqrep.Client, error) {
	cli, err := reqrep.NewClient(reqrep.ClientConfig{
		Name: "implload", Timeout: timeout, MaxInFlight: inFlight, Transport: c.ClientTransport(),
		Retry:   retry.Policy{MaxRetries: retry.Disabled},
		Breaker: breaker.Config{FailureThreshold: math.MaxInt32},
	})
	if err != nil {
		return nil, fmt.Errorf("implload: commands client: %w", err)
	}
	for _, w := range workers {
		addr := c.CommandAddress(w)
		if addr == "" {
			return nil, errors.Join(fmt.Errorf("implload: %s has no command address", w), cli.Close())
		}
		if err := cli.AddPeer(w, addr); err != nil {
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
	return greetEach(ctx, workers, "", func(ctx context.Context, w string) error {
		_, err := cli.Call(ctx, w, api.Health, nil)
		return err
	})
}

// greetEach calls call for every worker at once, each again until it
// answers, for up to DefaultConnect; how names the path in the error of a
// worker that never answered.
func greetEach(ctx context.Context, workers []string, how string, call func(ctx context.Context, worker string) error) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultConnect)
	defer cancel()
	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			for {
				err := call(ctx, w)
				if err == nil || ctx.Err() != nil {
					if err != nil {
						errs[i] = fmt.Errorf("implload: %s never answered%s: %w", w, how, err)
					}
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
