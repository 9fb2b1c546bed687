package check

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/impl/api"
)

// Config waits, up to within, until every worker (but those in gone, meant
// to be down) is online and reports the control plane's latest config
// version, and returns how long that took: after a partition heals, the
// convergence time. A worker just back from a partition counts as behind
// until the control plane has it online again.
func Config(ctx context.Context, s State, within time.Duration, gone ...string) (result.Check, time.Duration) {
	var latest uint64
	var behind []string
	took, ok, err := until(ctx, within, func(ctx context.Context) (bool, error) {
		var err error
		latest, behind, err = configBehind(ctx, s, gone)
		return err == nil && len(behind) == 0, err
	})
	slices.Sort(behind)
	c := result.Check{Name: "config", OK: ok, Counts: map[string]int64{
		"version": int64(latest), "workers": int64(len(s.Workers()) - len(gone)), "behind": int64(len(behind)),
	}, WaitS: waitS(took)}
	switch {
	case ok:
	case err != nil:
		c.Detail = fmt.Sprintf("not converged after %v: %v", within, err)
	default:
		c.Detail = fmt.Sprintf("not converged on version %d after %v: %s", latest, within, strings.Join(first(behind, 5), ", "))
	}
	return c, took
}

// configBehind returns the latest version and the workers not on it, each
// with why.
func configBehind(ctx context.Context, s State, gone []string) (uint64, []string, error) {
	cfg, err := s.Config(ctx)
	if err != nil {
		return 0, nil, err
	}
	nodes, err := s.Nodes(ctx)
	if err != nil {
		return 0, nil, err
	}
	status := map[string]string{}
	for _, n := range nodes {
		status[n.ID] = n.Status
	}
	var behind []string
	for _, w := range s.Workers() {
		if slices.Contains(gone, w) {
			continue
		}
		if status[w] != api.StatusOnline {
			behind = append(behind, fmt.Sprintf("%s %s", w, or(status[w], "unregistered")))
			continue
		}
		var h api.WorkerHealth
		if err := s.Call(ctx, w, api.Health, nil, &h); err != nil {
			behind = append(behind, w+": "+err.Error())
		} else if h.ConfigVersion != cfg.Version {
			behind = append(behind, fmt.Sprintf("%s at %d", w, h.ConfigVersion))
		}
	}
	return cfg.Version, behind, nil
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
