package check

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Within is how close to its pre-fault figure a workload must come again
// to count as recovered: p99 at most 10% above, throughput at most 10%
// below.
const Within = 0.10

// RecoveryWindow is the shortest window in which a workload must be
// back within Within of its baseline, and RecoveryStep how far apart the
// windows RecoveryOf tries start: the performance figure's resolution.
const (
	RecoveryWindow = time.Second
	RecoveryStep   = 10 * time.Millisecond
)

// recSamples is the fewest messages a recovery window holds: it lasts
// RecoveryWindow, or longer at rates below recSamples a second.
const recSamples = 100

// RecoveryOf returns, per fault that took effect (non-zero StartedAt), in
// the faults' order, how long the system took to get over it, from the
// run's history alone:
//   - detection: from the fault's start to the first node_offline of one of
//     its targets at or after it;
//   - migration: from that node_offline to the last instance_migrated
//     "from <that node>" before its migration_done or its node_online;
//   - convergence: from the heal until every worker among the targets had
//     the latest config version published by the heal (0 for one that
//     already had it; a killed worker must have had it again since the
//     kill);
//   - performance: from the heal until every workload that had a baseline
//     was back within Within of it, p99 and throughput, for the messages
//     sent over a whole RecoveryWindow starting then (in RecoveryStep
//     steps). Only the receipts from the targets count when the workload
//     has them among its peers, so that another fault on another peer does
//     not hold it up.
//
// A figure that does not apply (no target went offline, nothing moved, the
// fault was never healed, no worker target, no config published, nothing
// recovered before the schedule ended) is nil.
func RecoveryOf(h *history.History) []result.Recovery {
	events := slices.Clone(h.Meta.Events)
	slices.SortStableFunc(events, func(a, b history.Event) int { return a.At.Compare(b.At) })
	workers := histWorkers(h.Meta, events)
	var receipts [][]recReceipt // per workload, built at the first healed fault
	var out []result.Recovery
	for _, f := range h.Meta.Result.Faults {
		if f.StartedAt.IsZero() {
			continue
		}
		rec := result.Recovery{Fault: f.Name}
		targets := histTargets(f.Target)
		if off, ok := histFirstEvent(events, history.EventNodeOffline, targets, f.StartedAt); ok {
			rec.DetectionS = secs(off.At.Sub(f.StartedAt))
			if moved, ok := histLastMigration(events, off); ok {
				rec.MigrationS = secs(moved.Sub(off.At))
			}
		}
		if !f.EndedAt.IsZero() {
			rec.ConvergenceS = histConvergence(events, workers, f, targets)
			if receipts == nil {
				receipts = make([][]recReceipt, len(h.Meta.Workloads))
				for i := range h.Meta.Workloads {
					if i < len(h.Tapes) {
						receipts[i] = recReceipts(h.Tapes[i])
					}
				}
			}
			rec.PerformanceS = histPerformance(h.Meta.Workloads, receipts, f, h.Meta.Result.Faults, targets)
		}
		out = append(out, rec)
	}
	return out
}

// histTargets splits a fault's comma-separated target.
func histTargets(target string) []string {
	var out []string
	for t := range strings.SplitSeq(target, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// histWorkers is the set of nodes that are workers: those that applied a
// config, and every workload's peers.
func histWorkers(m history.Meta, events []history.Event) map[string]bool {
	out := map[string]bool{}
	for _, e := range events {
		if e.Kind == history.EventConfigApplied && e.Node != "" {
			out[e.Node] = true
		}
	}
	for _, w := range m.Workloads {
		for _, p := range w.Peers {
			out[p] = true
		}
	}
	return out
}

// histFirstEvent is the first event of kind about one of nodes at or after
// after; events are in time order.
func histFirstEvent(events []history.Event, kind string, nodes []string, after time.Time) (history.Event, bool) {
	for _, e := range events {
		if e.Kind == kind && !e.At.Before(after) && slices.Contains(nodes, e.Node) {
			return e, true
		}
	}
	return history.Event{}, false
}

// histLastMigration is when the last instance moved off off.Node (an
// instance_migrated whose Detail is "from <node>"; Node is where it went),
// before the migration of that node was declared done or the node came
// back online.
func histLastMigration(events []history.Event, off history.Event) (time.Time, bool) {
	var last time.Time
	for _, e := range events {
		if e.At.Before(off.At) {
			continue
		}
		if e.Kind == history.EventInstanceMigrated && e.Detail == "from "+off.Node {
			last = e.At
		}
		if (e.Kind == history.EventMigrationDone || e.Kind == history.EventNodeOnline) && e.Node == off.Node {
			break
		}
	}
	return last, !last.IsZero()
}

// histConvergence is how long after f's heal the slowest worker among its
// targets had the latest config version published by then; nil when none
// was published, no target is a worker, or one never had it.
func histConvergence(events []history.Event, workers map[string]bool, f result.Fault, targets []string) *float64 {
	var v uint64
	published := false
	for _, e := range events {
		if e.Kind == history.EventConfigPublished && !e.At.After(f.EndedAt) && (!published || e.Version > v) {
			v, published = e.Version, true
		}
	}
	if !published {
		return nil
	}
	return slowest(len(targets), func(i int) (time.Duration, bool, bool) {
		if !workers[targets[i]] {
			return 0, false, false // the control plane, say: it applies no config
		}
		d, ok := histConverged(events, targets[i], v, f)
		return d, true, ok
	})
}

// slowest is the longest of n figures, each (d, counts, ok) by each(i): nil
// if one that counts has none (ok false), or if none counts.
func slowest(n int, each func(i int) (d time.Duration, counts, ok bool)) *float64 {
	worst, any := time.Duration(0), false
	for i := range n {
		d, counts, ok := each(i)
		if !counts {
			continue
		}
		if !ok {
			return nil
		}
		worst, any = max(worst, d), true
	}
	if !any {
		return nil
	}
	return secs(worst)
}

// histConverged is how long after f's heal node had version v or later: 0
// if the config it last applied by the heal was one, else until the first
// it applied after. A killed process lost what it had: for a kill only
// what a later boot applied after the kill counts.
func histConverged(events []history.Event, node string, v uint64, f result.Fault) (time.Duration, bool) {
	kill := f.Kind == string(scenario.FaultKill)
	killed := -1 // the boot the kill ended, when known
	held, has := uint64(0), false
	for _, e := range events {
		if e.Kind != history.EventConfigApplied || e.Node != node {
			continue
		}
		switch {
		case kill && !e.At.After(f.StartedAt):
			killed = e.Boot
		case kill && e.Boot <= killed:
			// the killed process's, stamped after the kill: gone with it
		case !e.At.After(f.EndedAt):
			held, has = e.Version, true
		case has && held >= v:
			return 0, true
		case e.Version >= v:
			return e.At.Sub(f.EndedAt), true
		}
	}
	return 0, has && held >= v
}

// recReceipt is a receipt of one of a workload's messages: when the
// message was due to be sent, from which peer it came, and its latency
// from that intended send.
type recReceipt struct {
	at, lat int64 // intended send, unix ns; ns
	peer    int32
}

// recReceipts returns the receipts of tapes that are deliveries of their
// sends (not snapshots, not foreign, matched by sender and sequence), in
// order of their messages' intended send. Performance is judged by when
// a message was sent, not when it came: a request sent during the fault
// and answered just after the heal is the fault's, not the recovery's.
func recReceipts(tapes [][]history.Op) []recReceipt {
	type key struct {
		sender uint32
		seq    uint64
	}
	due := map[key]int64{}
	for _, tape := range tapes {
		for _, op := range tape {
			if op.Kind != history.Send {
				continue
			}
			if _, dup := due[key{op.Sender, op.Seq}]; !dup {
				due[key{op.Sender, op.Seq}] = op.T1
			}
		}
	}
	var out []recReceipt
	for _, tape := range tapes {
		for _, op := range tape {
			if op.Kind != history.Receipt || op.Flags&(history.FlagSnapshot|history.FlagForeign) != 0 {
				continue
			}
			if t0, ok := due[key{op.Sender, op.Seq}]; ok {
				out = append(out, recReceipt{at: t0, lat: op.T1 - t0, peer: op.Peer})
			}
		}
	}
	slices.SortFunc(out, func(a, b recReceipt) int { return cmp.Compare(a.at, b.at) })
	return out
}

// histPerformance is how long after f's heal the slowest workload to
// recover took; nil if one never did or none counted.
func histPerformance(ws []history.Workload, receipts [][]recReceipt, f result.Fault, faults []result.Fault, targets []string) *float64 {
	return slowest(len(ws), func(i int) (time.Duration, bool, bool) {
		return recBack(ws[i], recInvolved(ws[i], receipts[i], targets), f, faults)
	})
}

// recInvolved is the receipts of w from the targets, or all of them when no
// target is one of w's peers.
func recInvolved(w history.Workload, rs []recReceipt, targets []string) []recReceipt {
	peers := make([]bool, len(w.Peers))
	some := false
	for i, p := range w.Peers {
		peers[i] = slices.Contains(targets, p)
		some = some || peers[i]
	}
	if !some {
		return rs
	}
	var out []recReceipt
	for _, r := range rs {
		if r.peer >= 0 && int(r.peer) < len(peers) && peers[r.peer] {
			out = append(out, r)
		}
	}
	return out
}

// recBack is how long after f's heal the receipts rs (by intended send) of
// w were back within Within of their baseline: in throughput and p99 of
// the messages sent in a window of at least RecoveryWindow starting
// heal+k·RecoveryStep and ending by w.End. The baseline is the messages
// sent from w.Window to f's start while no fault was in force (faults are
// all the run's), so that an earlier fault's effects are not what f's
// recovery must come back to; with no such quiet time, all of them. counts
// is false when the workload has nothing to say: no baseline, or no whole
// window between the heal and its end.
func recBack(w history.Workload, rs []recReceipt, f result.Fault, faults []result.Fault) (d time.Duration, counts, ok bool) {
	if w.Window.IsZero() || w.End.IsZero() {
		return 0, false, false
	}
	window, end := w.Window.UnixNano(), w.End.UnixNano()
	start, heal := min(f.StartedAt.UnixNano(), end), f.EndedAt.UnixNano()
	if start <= window || heal+int64(RecoveryWindow) > end {
		return 0, false, false
	}
	var base []recReceipt
	var span int64
	for _, q := range recQuiet(window, start, faults) {
		base = append(base, recBetween(rs, q[0], q[1])...)
		span += q[1] - q[0]
	}
	if len(base) == 0 {
		base, span = recBetween(rs, window, start), start-window
	}
	if len(base) == 0 {
		return 0, false, false
	}
	lats := make([]int64, len(base))
	for i, r := range base {
		lats[i] = r.lat
	}
	slices.Sort(lats)
	rate := float64(len(base)) / time.Duration(span).Seconds()
	// A p99 of fewer than recSamples messages is their maximum, which one
	// outlier sets: a slow workload's window is as long as it takes to
	// hold recSamples at its baseline rate.
	width := max(int64(RecoveryWindow), int64(recSamples/rate*float64(time.Second)))
	need := (1 - Within) * rate * time.Duration(width).Seconds()
	limit := (1 + Within) * float64(lats[recP99Rank(len(lats))])
	if heal+width > end {
		return 0, false, false
	}

	after := recBetween(rs, heal, end)
	o := newRecOrderStat(after)
	lo, hi := 0, 0
	for t := heal; t+width <= end; t += int64(RecoveryStep) {
		for ; hi < len(after) && after[hi].at < t+width; hi++ {
			o.add(hi, 1)
		}
		for ; lo < hi && after[lo].at < t; lo++ {
			o.add(lo, -1)
		}
		if n := hi - lo; n > 0 && float64(n) >= need && float64(o.kth(recP99Rank(n))) <= limit {
			return time.Duration(t - heal), true, true
		}
	}
	return 0, true, false
}

// recQuiet is the spans of [from, to) in which none of faults was in force
// (a fault that took effect, from its start to its heal or for good).
func recQuiet(from, to int64, faults []result.Fault) [][2]int64 {
	spans := [][2]int64{{from, to}}
	for _, f := range faults {
		if f.StartedAt.IsZero() {
			continue
		}
		on, off := f.StartedAt.UnixNano(), int64(math.MaxInt64)
		if !f.EndedAt.IsZero() {
			off = f.EndedAt.UnixNano()
		}
		var next [][2]int64
		for _, q := range spans {
			if q[0] < min(on, q[1]) {
				next = append(next, [2]int64{q[0], min(on, q[1])})
			}
			if max(off, q[0]) < q[1] {
				next = append(next, [2]int64{max(off, q[0]), q[1]})
			}
		}
		spans = next
	}
	return spans
}

// recBetween is the receipts of rs (by intended send) of messages due in [from, to).
func recBetween(rs []recReceipt, from, to int64) []recReceipt {
	at := func(r recReceipt, t int64) int { return cmp.Compare(r.at, t) }
	i, _ := slices.BinarySearchFunc(rs, from, at)
	j, _ := slices.BinarySearchFunc(rs, to, at)
	return rs[i:max(i, j)]
}

// recP99Rank is the 0-based index of the 99th percentile among n sorted
// values, by nearest rank: the ⌈0.99·n⌉-th.
func recP99Rank(n int) int { return (99*n+99)/100 - 1 }

// recOrderStat holds a multiset of the latencies of some receipts, each added
// and removed by its index, and finds the k-th smallest in O(log n): a
// Fenwick tree over the distinct latencies.
type recOrderStat struct {
	vals []int64 // the distinct latencies, ascending
	rank []int   // per receipt, its latency's index in vals
	tree []int   // 1-based Fenwick tree of counts per index
}

func newRecOrderStat(rs []recReceipt) *recOrderStat {
	vals := make([]int64, len(rs))
	for i, r := range rs {
		vals[i] = r.lat
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	o := &recOrderStat{vals: vals, rank: make([]int, len(rs)), tree: make([]int, len(vals)+1)}
	for i, r := range rs {
		o.rank[i], _ = slices.BinarySearch(vals, r.lat)
	}
	return o
}

// add adds delta copies of receipt i's latency.
func (o *recOrderStat) add(i, delta int) {
	for j := o.rank[i] + 1; j < len(o.tree); j += j & -j {
		o.tree[j] += delta
	}
}

// kth is the k-th smallest latency held, k from 0; there must be more
// than k.
func (o *recOrderStat) kth(k int) int64 {
	pos, left := 0, k+1
	if len(o.vals) == 0 {
		return 0
	}
	for step := 1 << (bits.Len(uint(len(o.tree)-1)) - 1); step > 0; step >>= 1 {
		if next := pos + step; next < len(o.tree) && o.tree[next] < left {
			pos, left = next, left-o.tree[next]
		}
	}
	return o.vals[pos] // tree index pos+1
}

func secs(d time.Duration) *float64 { s := d.Seconds(); return &s }
