package check

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/impl/api"
)

// Instances waits, up to within, until every instance in the control
// plane's registry exists on exactly the online node it is placed on and
// nowhere else, and no online worker holds one the registry does not know;
// migration and reconciliation take a moment after a fault heals, so the
// check reports how long it waited. Every worker but those in gone (meant
// to be down: killed, never restarted) must be online again first, so that
// a worker back from a partition has had its stale copies reconciled.
func Instances(ctx context.Context, s State, within time.Duration, gone ...string) result.Check {
	var last placement
	took, ok, err := until(ctx, within, func(ctx context.Context) (bool, error) {
		p, err := place(ctx, s, gone)
		if err != nil {
			return false, err
		}
		last = p
		return p.consistent(), nil
	})
	c := result.Check{Name: "instances", OK: ok, Counts: last.counts(), WaitS: waitS(took)}
	switch {
	case ok:
	case err != nil:
		c.Detail = fmt.Sprintf("not consistent after %v: %v", within, err)
	default:
		c.Detail = fmt.Sprintf("not consistent after %v: %s", within, last.describe())
	}
	return c
}

// placement compares the registry with what the workers hold.
type placement struct {
	instances  int
	offline    []string // workers not gone, not online
	onOffline  []string // placed on a node the control plane holds offline
	missing    []string // placed on a node that does not have it
	duplicated []string // held by two or more workers
	orphaned   []string // held by a worker, unknown to the registry
	stray      []string // held by a worker other than the one it is placed on
}

func place(ctx context.Context, s State, gone []string) (placement, error) {
	var p placement
	nodes, err := s.Nodes(ctx)
	if err != nil {
		return p, err
	}
	insts, err := s.Instances(ctx)
	if err != nil {
		return p, err
	}
	online := map[string]bool{}
	for _, n := range nodes {
		online[n.ID] = n.Status == api.StatusOnline
	}
	for _, w := range s.Workers() {
		if !online[w] && !slices.Contains(gone, w) {
			p.offline = append(p.offline, w)
		}
	}
	held := map[string][]string{} // instance -> workers holding it
	for _, w := range slices.Sorted(maps.Keys(online)) {
		if !online[w] {
			continue
		}
		var list api.InstanceList
		if err := s.Call(ctx, w, api.InstancesList, nil, &list); err != nil {
			return p, err
		}
		for _, in := range list.Instances {
			held[in.ID] = append(held[in.ID], w)
		}
	}
	p.instances = len(insts)
	known := map[string]bool{}
	for _, in := range insts {
		known[in.ID] = true
		switch {
		case !online[in.Node]:
			p.onOffline = append(p.onOffline, in.ID+"@"+in.Node)
		case !slices.Contains(held[in.ID], in.Node):
			p.missing = append(p.missing, in.ID+"@"+in.Node)
		}
		for _, w := range held[in.ID] {
			if w != in.Node {
				p.stray = append(p.stray, in.ID+"@"+w)
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(held)) {
		if len(held[id]) > 1 {
			p.duplicated = append(p.duplicated, id+"@"+strings.Join(held[id], "+"))
		}
		if !known[id] {
			p.orphaned = append(p.orphaned, id+"@"+strings.Join(held[id], "+"))
		}
	}
	return p, nil
}

func (p placement) consistent() bool {
	return len(p.offline)+len(p.onOffline)+len(p.missing)+len(p.duplicated)+len(p.orphaned)+len(p.stray) == 0
}

func (p placement) counts() map[string]int64 {
	return map[string]int64{
		"instances": int64(p.instances), "workers_offline": int64(len(p.offline)), "on_offline_node": int64(len(p.onOffline)),
		"missing": int64(len(p.missing)), "duplicated": int64(len(p.duplicated)),
		"orphaned": int64(len(p.orphaned)), "stray": int64(len(p.stray)),
	}
}

func (p placement) describe() string {
	return describe([]offenders{
		{"workers not back online", p.offline}, {"on an offline node", p.onOffline}, {"missing", p.missing}, {"duplicated", p.duplicated},
		{"unknown to the control plane", p.orphaned}, {"on the wrong node", p.stray},
	})
}

// offenders are the ids a check found wrong in one way.
type offenders struct {
	what string
	ids  []string
}

// describe names the first few offenders of each way, those that have any.
func describe(all []offenders) string {
	var parts []string
	for _, k := range all {
		if len(k.ids) > 0 {
			parts = append(parts, k.what+": "+strings.Join(first(k.ids, 5), ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// waitS is a check's wait for result.Check.WaitS, in seconds to the
// millisecond: finer would only be the polling's noise.
func waitS(took time.Duration) *float64 {
	s := float64(took.Milliseconds()) / 1000
	return &s
}
