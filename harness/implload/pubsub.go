package implload

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/reqrep"
)

// Config keys the pubsub driver sets: the message's number and its padding.
// They stay in the control plane's config after the run.
const (
	KeySeq = "implload.seq"
	KeyPad = "implload.pad"
)

// pollEvery is how often the pubsub driver reads the workers' config
// receipts during a run, so that Observe sees them as they come.
const pollEvery = 100 * time.Millisecond

// pubRun is one pubsub run's state.
type pubRun struct {
	spec    Spec
	s       *sink
	cli     *reqrep.Client
	workers []string
	pad     padding

	mu      sync.Mutex
	sent    map[uint64]published  // by config version
	pending [][]api.ConfigReceipt // per worker: receipts of versions not (yet) known to be ours
	had     [][]api.ConfigReceipt // per worker: every receipt of ours, by broadcast or snapshot
	cursor  []uint64              // per worker: the last receipt read
	top     []uint64              // per worker: the highest version it has
	latest  uint64                // the highest version sent
}

// runPubSub publishes config versions through the embedded control
// plane's SetConfig, one per message, and reads from every worker when it
// received each (api.ConfigHistoryGet, through its commands proxy). Recv
// and ByPeer time each worker's receipt of each version by broadcast;
// Last, for each version, the time until every worker had it or a later
// one, by broadcast or by a snapshot it fetched. A version a worker never
// received by broadcast is lost for that worker. The sequence numbers of
// the Loss and of Observe's stamps are config versions.
func runPubSub(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*load.Outcome, error) {
	cp := c.ControlPlane()
	if cp == nil {
		return nil, fmt.Errorf("%w: pubsub publishes through its Go API", ErrEmbedded)
	}
	cli, err := dialCommands(ctx, c, workers, spec.Timeout, 4)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	r := &pubRun{spec: spec, cli: cli, workers: workers, pad: newPadding(spec.Size, spec.Seed),
		sent: map[uint64]published{}, pending: make([][]api.ConfigReceipt, len(workers)),
		had: make([][]api.ConfigReceipt, len(workers)), cursor: make([]uint64, len(workers)),
		top: make([]uint64, len(workers))}
	if err := r.skipPast(ctx); err != nil {
		return nil, err
	}
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	r.s = newSink(spec, tl, workers, owedEach)
	r.s.ordered = true
	pollCtx, stopPolling := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { r.pollUntil(pollCtx) })
	drive(ctx, spec, tl, func(ctx context.Context, t tick) { r.publish(ctx, cp, t) })
	load.Drain(ctx, spec.Grace, r.caughtUp)
	stopPolling()
	wg.Wait()
	r.poll(context.WithoutCancel(ctx), true) // what came since the last poll, and what was pending
	o := r.s.outcome()
	o.Last = r.timeToLast(tl)
	return o, nil
}

// published is a config version this run set.
type published struct {
	intended, actual time.Time
	bytes            int
}

// publisher is the part of the control plane a pubsub run uses.
type publisher interface {
	SetConfig(ctx context.Context, values map[string]string) (api.ConfigSnapshot, error)
}

// publish sets one config version for t.
func (r *pubRun) publish(ctx context.Context, cp publisher, t tick) {
	values := map[string]string{KeySeq: strconv.FormatUint(t.seq, 10), KeyPad: r.pad.text(t.seq)}
	actual := time.Now()
	snap, err := cp.SetConfig(ctx, values)
	if err != nil {
		if ctx.Err() == nil {
			r.s.sendFailed(t, actual)
		}
		return
	}
	v := tick{seq: snap.Version, intended: t.due(actual)} // the sink counts versions
	r.s.sent(v, actual, 0, r.pad.size(t.seq))
	r.mu.Lock()
	r.sent[snap.Version] = published{intended: v.intended, actual: actual, bytes: r.pad.size(t.seq)}
	r.latest = max(r.latest, snap.Version)
	r.mu.Unlock()
}

// skipPast moves every worker's cursor past the receipts it already has.
func (r *pubRun) skipPast(ctx context.Context) error {
	for i, w := range r.workers {
		h, err := r.history(ctx, w, math.MaxUint64)
		if err != nil {
			return err
		}
		r.cursor[i] = h.Last
	}
	return nil
}

func (r *pubRun) history(ctx context.Context, worker string, after uint64) (api.ConfigHistory, error) {
	var h api.ConfigHistory
	data, err := envelope.DataOf(api.ConfigHistoryQuery{After: after})
	if err != nil {
		return h, err
	}
	resp, err := r.cli.Call(ctx, worker, api.ConfigHistoryGet, data)
	if err != nil {
		return h, fmt.Errorf("implload: %s %s: %w", worker, api.ConfigHistoryGet, err)
	}
	if err := json.Unmarshal(resp.Data, &h); err != nil {
		return h, fmt.Errorf("implload: %s %s: %w", worker, api.ConfigHistoryGet, err)
	}
	return h, nil
}

// pollUntil reads the receipts every pollEvery until ctx ends.
func (r *pubRun) pollUntil(ctx context.Context) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.poll(ctx, false)
		case <-ctx.Done():
			return
		}
	}
}

// poll reads every worker's new receipts and files them. A worker that
// does not answer (a fault on its link) is read again at the next poll;
// what it received and could not report by the end counts as lost.
func (r *pubRun) poll(ctx context.Context, final bool) {
	for i, w := range r.workers {
		for {
			h, err := r.history(ctx, w, r.cursor[i])
			if err != nil {
				break
			}
			r.file(i, h.Entries, final)
			if len(h.Entries) == 0 {
				break
			}
			r.cursor[i] = h.Entries[len(h.Entries)-1].N
		}
	}
}

// file matches worker i's receipts with the versions sent, in the order
// they came. During the run, a receipt of a version not known (yet) and
// those after it wait for the next poll: its SetConfig may not have
// returned. At the end (final), unknown versions are another workload's
// or older than the run, and are skipped.
func (r *pubRun) file(i int, entries []api.ConfigReceipt, final bool) {
	var got []api.ConfigReceipt
	r.mu.Lock()
	for _, e := range entries {
		r.top[i] = max(r.top[i], e.Version)
	}
	all := append(r.pending[i], entries...)
	r.pending[i] = nil
	for k, e := range all {
		_, ours := r.sent[e.Version]
		if !ours && !final {
			r.pending[i] = all[k:]
			break
		}
		if ours {
			r.had[i] = append(r.had[i], e)
			if e.Via == api.ConfigViaBroadcast {
				got = append(got, e)
			}
		}
	}
	sent := make([]published, len(got))
	for k, e := range got {
		sent[k] = r.sent[e.Version]
	}
	r.mu.Unlock()
	for k, e := range got {
		p := sent[k]
		r.s.received(i, e.Version, p.intended, p.actual, e.At, p.bytes)
	}
}

// caughtUp says whether every worker has the latest version sent.
func (r *pubRun) caughtUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, top := range r.top {
		if top < r.latest {
			return false
		}
	}
	return true
}

// timeToLast records, for each version sent, the time until the last
// worker had it or a later one; a version some worker never had has no
// figure (it is in the Loss).
func (r *pubRun) timeToLast(tl record.Timeline) *record.Recorder {
	rec := record.New(record.Options{Start: tl.Window})
	r.mu.Lock()
	defer r.mu.Unlock()
	versions := make([]uint64, 0, len(r.sent))
	for v := range r.sent {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	last := make([]time.Time, len(versions))
	never := make([]bool, len(versions))
	for _, had := range r.had {
		for i, at := range hadBy(versions, had) {
			if at.IsZero() {
				never[i] = true
			} else if at.After(last[i]) {
				last[i] = at
			}
		}
	}
	for i, v := range versions {
		if p := r.sent[v]; !never[i] {
			rec.Received(p.intended, p.actual, last[i], 0)
		}
	}
	return rec
}

// hadBy returns, for each of versions (ascending), when the worker first
// had it or a later version, from its receipts; zero if it never did.
func hadBy(versions []uint64, had []api.ConfigReceipt) []time.Time {
	byVersion := slices.Clone(had)
	slices.SortFunc(byVersion, func(a, b api.ConfigReceipt) int {
		switch {
		case a.Version < b.Version:
			return -1
		case a.Version > b.Version:
			return 1
		}
		return a.At.Compare(b.At)
	})
	out := make([]time.Time, len(versions))
	var earliest time.Time // of the receipts at or above versions[i]
	j := len(byVersion) - 1
	for i := len(versions) - 1; i >= 0; i-- {
		for ; j >= 0 && byVersion[j].Version >= versions[i]; j-- {
			if earliest.IsZero() || byVersion[j].At.Before(earliest) {
				earliest = byVersion[j].At
			}
		}
		out[i] = earliest
	}
	return out
}
