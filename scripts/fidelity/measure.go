package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/scenario"
)

// progressFunc reports each run as it ends, on stderr.
type progressFunc func(format string, a ...any)

// measureThroughput runs, per round: perf local_thr/remote_thr (pair), nngbench push/pull and
// nngbench pair; every other round in the reverse order, so that no tool always goes first.
func measureThroughput(ctx context.Context, o options, b bins, t *throughputCmp, progress progressFunc) error {
	nng := func(p scenario.Pattern, to *[]nngFigures) func(int) error {
		return func(round int) error {
			r := nngRun{bin: b.nngbench, pattern: p, size: o.size, warmup: o.warmup, window: o.thrWindow, timeout: o.timeout}
			f, err := r.run(ctx)
			if err != nil {
				return err
			}
			*to = append(*to, f)
			progress("throughput %d/%d: nngbench %s %.0f/s (sent %.0f/s)", round+1, o.rounds, p, f.throughput(), f.SendRate)
			return nil
		}
	}
	perf := func(round int) error {
		v, err := perfThroughput(ctx, b.perf, o.size, o.thrCount, o.timeout)
		if err != nil {
			return err
		}
		t.Perf = append(t.Perf, v)
		progress("throughput %d/%d: perf %.0f/s", round+1, o.rounds, v)
		return nil
	}
	return alternate(o.rounds, perf, nng(scenario.PatternPushPull, &t.PushPull), nng(scenario.PatternPair, &t.Pair))
}

// measureRoundTrip alternates perf local_reqlat/remote_reqlat with nngbench raw req/rep.
func measureRoundTrip(ctx context.Context, o options, b bins, t *roundTripCmp, progress progressFunc) error {
	perf := func(round int) error {
		v, err := perfRoundTrip(ctx, b.perf, o.size, o.latCount, o.timeout)
		if err != nil {
			return err
		}
		t.PerfUS = append(t.PerfUS, v)
		progress("round trip %d/%d: perf %.1f µs", round+1, o.rounds, v)
		return nil
	}
	nng := func(round int) error {
		r := nngRun{bin: b.nngbench, pattern: scenario.PatternReqRep, size: o.size, warmup: o.warmup,
			window: o.latWindow, timeout: o.timeout}
		f, err := r.run(ctx)
		if err != nil {
			return err
		}
		t.NNGBench = append(t.NNGBench, f)
		progress("round trip %d/%d: nngbench %.1f µs", round+1, o.rounds, f.RTTMeanUS)
		return nil
	}
	return alternate(o.rounds, perf, nng)
}

// alternate runs steps in order in even rounds and in reverse in odd ones.
func alternate(rounds int, steps ...func(round int) error) error {
	for round := range rounds {
		for i := range steps {
			if round%2 == 1 {
				i = len(steps) - 1 - i
			}
			if err := steps[i](round); err != nil {
				return err
			}
		}
	}
	return nil
}

// measureToxiproxy alternates the same raw runs direct and through an idle proxy of an
// embedded toxiproxy (as the cluster embeds it): req/rep round trip, push/pull throughput.
func measureToxiproxy(ctx context.Context, o options, b bins, t *toxiproxyCost, progress progressFunc) (err error) {
	tp, err := cluster.NewToxiproxy()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := tp.Close(context.WithoutCancel(ctx)); err == nil && cerr != nil {
			err = fmt.Errorf("toxiproxy: close: %w", cerr)
		}
		closeIdleHTTP()
	}()
	via := proxyVia(toxiclient.NewClient(tp.URL()))
	for round := range o.proxyRounds {
		for _, p := range []scenario.Pattern{scenario.PatternReqRep, scenario.PatternPushPull} {
			nng := nngRun{bin: b.nngbench, pattern: p, size: o.size, warmup: o.warmup, window: o.proxyWindow, timeout: o.timeout}
			direct, err := nng.run(ctx)
			if err != nil {
				return err
			}
			nng.via = via
			proxied, err := nng.run(ctx)
			if err != nil {
				return fmt.Errorf("through toxiproxy: %w", err)
			}
			if p == scenario.PatternReqRep {
				t.ReqRepDirect, t.ReqRepProxied = append(t.ReqRepDirect, direct), append(t.ReqRepProxied, proxied)
				progress("toxiproxy %d/%d: reqrep %.1f µs direct, %.1f µs proxied", round+1, o.proxyRounds, direct.RTTMeanUS, proxied.RTTMeanUS)
			} else {
				t.PushPullDirect, t.PushPullProxied = append(t.PushPullDirect, direct), append(t.PushPullProxied, proxied)
				progress("toxiproxy %d/%d: pushpull %.0f/s direct, %.0f/s proxied", round+1, o.proxyRounds, direct.throughput(), proxied.throughput())
			}
		}
	}
	return nil
}

// proxyVia makes a Spec.Via that puts a fresh idle proxy in front of the hub for each run.
func proxyVia(c *toxiclient.Client) func(hub string) (string, func(), error) {
	var n atomic.Int64
	return func(hub string) (string, func(), error) {
		name := fmt.Sprintf("fidelity-%d", n.Add(1))
		p, err := c.CreateProxy(name, "127.0.0.1:0", strings.TrimPrefix(hub, "tcp://"))
		if err != nil {
			return "", nil, fmt.Errorf("toxiproxy: create %s: %w", name, err)
		}
		return "tcp://" + p.Listen, func() { _ = p.Delete() }, nil
	}
}
