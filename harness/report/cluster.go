package report

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"github.com/nngbench/nngbench/harness/result"
)

var clusterHead = []string{"Workers", "Ready (s)", "Online (s)", "Worker RSS mean (MiB)", "Worker RSS max (MiB)",
	"Control plane RSS (MiB)", "Control plane CPU (% of a core)", "Heartbeats handled", "Late", "Longest gap (s)"}

// writeCluster is the cluster's start and upkeep, for one run.
func writeCluster(b *bytes.Buffer, r *result.Result) {
	if r.Cluster == nil {
		return
	}
	b.WriteString("## The cluster\n\nHow it came up (from the first worker's launch), the processes' resident memory at the end of the load, " +
		"and the workers' heartbeats as the control plane handled them during the load (late: a gap over 1.5 intervals).\n\n")
	table(b, clusterHead, [][]string{clusterRow(r.Cluster)})
}

// writeSweepCluster is the same table with a row per worker count, for a
// sweep whose points recorded it.
func writeSweepCluster(b *bytes.Buffer, points []*result.Result) {
	var rows [][]string
	for _, p := range points {
		if p.Cluster != nil {
			rows = append(rows, clusterRow(p.Cluster))
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## The cluster at each size\n\nStart (from the first worker's launch), resident memory at the end of the load, " +
		"and heartbeats as the control plane handled them during the load (late: a gap over 1.5 intervals).\n\n")
	table(b, clusterHead, rows)
}

func clusterRow(c *result.Cluster) []string {
	opt := func(v *float64, prec int) string {
		if v == nil {
			return "embedded"
		}
		return strconv.FormatFloat(*v, 'f', prec, 64)
	}
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	hb := c.Heartbeats
	return []string{fmt.Sprint(c.Workers), f(c.ReadyS, 2), f(c.OnlineS, 2), f(c.WorkerRSSMeanMiB, 1), f(c.WorkerRSSMaxMiB, 1),
		opt(c.ControlPlaneRSSMiB, 1), opt(c.ControlPlaneCPUPct, 1), fmt.Sprint(hb.Handled), fmt.Sprint(hb.Late), f(hb.MaxGapS, 2)}
}

// ClusterMarkdown is the cluster table of the runs that recorded one,
// fewest workers first (ties in the given order); nil when none did.
func ClusterMarkdown(points []*result.Result) []byte {
	var with []*result.Result
	for _, p := range points {
		if p.Cluster != nil {
			with = append(with, p)
		}
	}
	slices.SortStableFunc(with, func(a, b *result.Result) int { return a.Cluster.Workers - b.Cluster.Workers })
	if len(with) == 0 {
		return nil
	}
	var b bytes.Buffer
	rows := make([][]string, len(with))
	for i, p := range with {
		rows[i] = clusterRow(p.Cluster)
	}
	table(&b, clusterHead, rows)
	return b.Bytes()
}
