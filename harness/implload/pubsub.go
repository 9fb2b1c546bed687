package implload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
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
	s       *tape
	cli     *reqrep.Client
	workers []string
	pad     padding

	mu      sync.Mutex
	sent    map[uint64]published  // by config version
	pending [][]api.ConfigReceipt // per worker: receipts of versions not (yet) known to be ours
	polled  [][]api.ConfigReceipt // per worker: the receipts of ours read while running
	cursor  []uint64              // per worker: the last receipt read
	boot    []string              // per worker: the process instance that numbered them
	top     []uint64              // per worker: the highest version it has
	latest  uint64                // the highest version sent
}

// runPubSub publishes config versions through the embedded control
// plane's SetConfig, one per message, and takes from every worker's
// config journal when it received each. Recv and ByPeer time each
// worker's receipt of each version by broadcast; Last, for each version,
// the time until every worker had it or a later one, by broadcast or by a
// snapshot it fetched. A version a worker never received by broadcast is
// lost for that worker: its journal, which outlives a kill -9, lacks it.
// While the run goes on, the workers' receipts are read through their
// commands (api.ConfigHistoryGet) for Observe and for the drain. The
// sequence numbers of the Loss and of Observe's stamps are config versions.
func runPubSub(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error) {
	cp := c.ControlPlane()
	if cp == nil {
		return nil, fmt.Errorf("%w: pubsub publishes through its Go API", ErrEmbedded)
	}
	cli, err := dialCommands(ctx, c, workers, spec.Timeout, 4)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	n := len(workers)
	r := &pubRun{spec: spec, cli: cli, workers: workers, pad: newPadding(spec.Size, spec.Seed),
		sent: map[uint64]published{}, pending: make([][]api.ConfigReceipt, n), polled: make([][]api.ConfigReceipt, n),
		cursor: make([]uint64, n), boot: make([]string, n), top: make([]uint64, n)}
	if err := r.skipPast(ctx); err != nil {
		return nil, err
	}
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	r.s = newTape(spec, tl, workers, history.OwedEach)
	r.s.w.Ordered, r.s.w.Last, r.s.w.Cumulative = true, history.LastEach, true
	pollCtx, stopPolling := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { r.pollUntil(pollCtx) })
	drive(ctx, spec, tl, func(ctx context.Context, t engine.Tick) { r.publish(ctx, cp, t) })
	engine.Drain(ctx, spec.Grace, r.caughtUp)
	stopPolling()
	wg.Wait()
	r.poll(context.WithoutCancel(ctx), true) // what came since the last poll, and what was pending
	err = r.receipts(c)
	return r.s.outcome(), err
}

// receipts notes every worker's receipts of the run's versions, from its
// config journal; a worker whose journal cannot be read has those read
// while running, and the error says so.
func (r *pubRun) receipts(c *cluster.Cluster) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for i, w := range r.workers {
		got := r.polled[i]
		if journal, err := c.ConfigReceipts(w); err != nil {
			errs = append(errs, err)
		} else {
			got = got[:0:0]
			for _, e := range journal {
				got = append(got, e.ConfigReceipt)
			}
		}
		for _, e := range got {
			p, ours := r.sent[e.Version]
			if !ours {
				continue // another workload's, or older than the run
			}
			op := history.ReceiptOp(0, e.Version, int32(i), e.At.UnixNano(), p.bytes) //nolint:gosec // i < workers
			if e.Via != api.ConfigViaBroadcast {
				op.Flags |= history.FlagSnapshot
			}
			r.s.ops.Add(op)
		}
	}
	return errors.Join(errs...)
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
func (r *pubRun) publish(ctx context.Context, cp publisher, t engine.Tick) {
	values := map[string]string{KeySeq: strconv.FormatUint(t.Seq, 10), KeyPad: r.pad.text(t.Seq)}
	actual := time.Now()
	snap, err := cp.SetConfig(ctx, values)
	if err != nil {
		if ctx.Err() == nil {
			r.s.sendFailed(t.Seq, t.Due(actual), actual)
		}
		return
	}
	p := published{intended: t.Due(actual), actual: actual, bytes: r.pad.size(t.Seq)}
	r.s.sent(0, snap.Version, int(history.NoPeer), p.intended, actual, p.bytes) // the history counts versions
	r.mu.Lock()
	r.sent[snap.Version] = p
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
		r.cursor[i], r.boot[i] = h.Last, h.Boot
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
// does not answer (a fault on its link) is read again at the next poll. A
// restarted worker numbers its receipts from 1 again, under a new boot:
// its cursor starts again too.
func (r *pubRun) poll(ctx context.Context, final bool) {
	for i, w := range r.workers {
		for {
			h, err := r.history(ctx, w, r.cursor[i])
			if err != nil {
				break
			}
			if h.Boot != r.boot[i] {
				r.boot[i], r.cursor[i] = h.Boot, 0
				continue
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
// they came, and tells Observe of those by broadcast. During the run, a
// receipt of a version not known (yet) and those after it wait for the
// next poll: its SetConfig may not have returned. At the end (final),
// unknown versions are another workload's or older than the run, and are
// skipped.
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
			r.polled[i] = append(r.polled[i], e)
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
	if r.spec.Observe == nil {
		return
	}
	for k, e := range got {
		r.spec.Observe(i, engine.Stamp{Seq: e.Version, Intended: sent[k].intended, Actual: sent[k].actual})
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
