package cluster

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/impl/controlplane"
)

// Timeline is the cluster's part of a run's history: the control plane's
// events (completed tasks left out: a history's ops have them), and, from
// each worker's config journal, every config version it applied, in order
// of time. A journal that cannot be read is an error; the rest is returned.
func (c *Cluster) Timeline(events []controlplane.Event) ([]history.Event, error) {
	out := []history.Event{}
	for _, e := range events {
		if e.Kind == controlplane.TaskCompleted {
			continue
		}
		he := history.Event{At: e.At, Kind: e.Kind.String(), Node: e.Node, Instance: e.Instance, Detail: e.Detail}
		if e.Kind == controlplane.ConfigPublished {
			he.Version, _ = strconv.ParseUint(strings.TrimPrefix(e.Detail, "version "), 10, 64)
		}
		out = append(out, he)
	}
	var errs []error
	for _, w := range c.Workers() {
		receipts, err := c.ConfigReceipts(w)
		errs = append(errs, err)
		for _, r := range receipts {
			if r.Applied {
				out = append(out, history.Event{At: r.At, Kind: history.EventConfigApplied, Node: w,
					Version: r.Version, Boot: r.Boot, Detail: r.Via})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b history.Event) int { return a.At.Compare(b.At) })
	return out, errors.Join(errs...)
}
