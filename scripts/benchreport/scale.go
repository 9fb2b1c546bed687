package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/nngbench/nngbench/harness/report"
	"github.com/nngbench/nngbench/harness/result"
)

// Aims of the scaling run (issue: at the limits).
const (
	aimOnlineS  = 60 // every worker registered within
	aimRSSMiB   = 20 // resident per worker, under
	scaleHeadMD = "## Scaling to 1,024 workers\n\n"
)

// writeScale writes the scaling run's section from its results tree
// (`make bench-scale`, committed separately since it takes minutes): the
// cluster table per worker count and the aims at the largest count.
func writeScale(w io.Writer, dir, out string) error {
	absent := func(why string) error {
		_, err := fmt.Fprintf(w, "%sNot in this file: %s.\n\n", scaleHeadMD, why)
		return err
	}
	if dir == "" {
		return absent("no scaling tree was given (-scale)")
	}
	entries, err := result.ReadDir(dir)
	if errors.Is(err, result.ErrNoResults) || errors.Is(err, fs.ErrNotExist) {
		return absent("`" + dir + "` holds no result.json; `make bench-scale` did not run")
	}
	if err != nil {
		return err
	}
	var points []*result.Result
	for _, e := range entries {
		if e.Result.Cluster != nil {
			points = append(points, e.Result)
		}
	}
	if len(points) == 0 {
		return absent("no result under `" + dir + "` recorded its cluster")
	}
	link, err := relLink(filepath.Dir(out), dir)
	if err != nil {
		return err
	}
	top := slices.MaxFunc(points, func(a, b *result.Result) int { return a.Cluster.Workers - b.Cluster.Workers })
	c := top.Cluster
	fmt.Fprintf(w, "%sFrom [`%s`](%s) (`make bench-scale`, on %s, %d cores), the worker processes each behind their six proxies, "+
		"heartbeating every %s s: how long the start took, what a worker costs, and the heartbeats the control plane "+
		"handled during the load.\n\n", scaleHeadMD, dir, link, top.Machine.CPU, top.Machine.Cores, strconv.FormatFloat(c.Heartbeats.IntervalS, 'g', -1, 64))
	if _, err := w.Write(report.ClusterMarkdown(points)); err != nil {
		return err
	}
	yes := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Fprintf(w, "At %d workers: all online in %.1f s (aim: within %d s, %s); at most %.1f MiB resident per worker "+
		"(aim: under %d MiB, %s); %d heartbeats handled, %d late, %d node-list reads showing a node offline (aim: none missed, %s).\n\n",
		c.Workers, c.OnlineS, aimOnlineS, yes(c.OnlineS <= aimOnlineS), c.WorkerRSSMaxMiB, aimRSSMiB, yes(c.WorkerRSSMaxMiB < aimRSSMiB),
		c.Heartbeats.Handled, c.Heartbeats.Late, c.Heartbeats.Offline, yes(c.Heartbeats.Late == 0 && c.Heartbeats.Offline == 0))
	return nil
}
