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

// Made is what a run's workloads did to instances, by id: what the
// control plane answered for each create and delete they sent.
type Made struct {
	Created []string // creates the control plane answered with the instance
	Deleted []string // deletes it answered as done (of instances in Created)
	// Uncertain are the ids of a create or a delete that got an error or
	// no answer in time: done or not, either is right, but not half of it.
	Uncertain []string
}

// Any reports whether the run sent a create at all.
func (m Made) Any() bool { return len(m.Created)+len(m.Uncertain) > 0 }

// Accounting waits, up to within, until every instance the run created is
// accounted for: listed by the control plane (its registry, as
// /admin/instances gives it) and held by exactly one online worker (each
// one's /instances/list, read through its command address as an operator
// would), or deleted and held by none. An uncertain one is either whole
// (listed, on one node) or gone (neither). It names the offenders:
// missing (listed by nobody, on no online node, or listed but held by
// none), duplicated (on two nodes or more) and undeleted (deleted, but
// listed or held still).
func Accounting(ctx context.Context, s State, m Made, within time.Duration) result.Check {
	var last ledger
	looked := false // a look cut short by the deadline says less than the one before
	took, ok, err := until(ctx, within, func(ctx context.Context) (bool, error) {
		l, err := account(ctx, s, m)
		if err != nil {
			return false, err
		}
		last, looked = l, true
		return l.whole(), nil
	})
	c := result.Check{Name: "accounting", OK: ok, Counts: last.counts(m), WaitS: waitS(took)}
	switch {
	case ok:
	case !looked:
		c.Detail = fmt.Sprintf("not accounted for after %v: %v", within, err)
	default:
		c.Detail = fmt.Sprintf("not accounted for after %v: %s", within, last.describe())
	}
	return c
}

// ledger is one look at where the run's instances are.
type ledger struct {
	listed     int      // instances the run created (and did not surely delete) that the control plane lists
	missing    []string // id (why)
	duplicated []string // id@node+node
	undeleted  []string // id@where
}

func account(ctx context.Context, s State, m Made) (ledger, error) {
	var l ledger
	listed, held, err := whereabouts(ctx, s)
	if err != nil {
		return l, err
	}
	deleted, uncertain := set(m.Deleted), set(m.Uncertain)
	for _, id := range slices.Sorted(maps.Keys(set(append(slices.Clone(m.Created), m.Uncertain...)))) {
		node, isListed := listed[id]
		on := held[id]
		if isListed && !deleted[id] {
			l.listed++
		}
		switch {
		case len(on) > 1:
			l.duplicated = append(l.duplicated, id+"@"+strings.Join(on, "+"))
		case uncertain[id] && isListed == (len(on) == 1):
			// whole or gone: either is right for an unanswered request
		case deleted[id] && !uncertain[id]:
			if isListed {
				on = append(slices.Clone(on), "the registry's "+node)
			}
			if len(on) > 0 {
				l.undeleted = append(l.undeleted, id+"@"+strings.Join(on, "+"))
			}
		case !isListed && len(on) == 0:
			l.missing = append(l.missing, id+" (not listed, on no online node)")
		case !isListed:
			l.missing = append(l.missing, id+" (on "+on[0]+", not listed)")
		case len(on) == 0:
			l.missing = append(l.missing, id+" (listed on "+node+", on no online node)")
		}
	}
	return l, nil
}

// whereabouts reads the control plane's registry (instance -> node) and
// which online workers hold each instance.
func whereabouts(ctx context.Context, s State) (map[string]string, map[string][]string, error) {
	nodes, err := s.Nodes(ctx)
	if err != nil {
		return nil, nil, err
	}
	insts, err := s.Instances(ctx)
	if err != nil {
		return nil, nil, err
	}
	listed := make(map[string]string, len(insts))
	for _, in := range insts {
		listed[in.ID] = in.Node
	}
	held := map[string][]string{}
	for _, n := range nodes {
		if n.Status != api.StatusOnline {
			continue
		}
		var list api.InstanceList
		if err := s.Call(ctx, n.ID, api.InstancesList, nil, &list); err != nil {
			return nil, nil, err
		}
		for _, in := range list.Instances {
			held[in.ID] = append(held[in.ID], n.ID)
		}
	}
	for id := range held {
		slices.Sort(held[id])
	}
	return listed, held, nil
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func (l ledger) whole() bool { return len(l.missing)+len(l.duplicated)+len(l.undeleted) == 0 }

func (l ledger) counts(m Made) map[string]int64 {
	return map[string]int64{
		"created": int64(len(m.Created)), "listed": int64(l.listed), "deleted": int64(len(m.Deleted)),
		"uncertain": int64(len(m.Uncertain)), "missing": int64(len(l.missing)),
		"duplicated": int64(len(l.duplicated)), "undeleted": int64(len(l.undeleted)),
	}
}

func (l ledger) describe() string {
	return describe([]offenders{{"missing", l.missing}, {"duplicated", l.duplicated}, {"deleted but still there", l.undeleted}})
}
