package implload

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/survey"
)

// probeDeadline is the deadline of the surveys that check, before a run,
// that every worker answers.
const probeDeadline = 200 * time.Millisecond

// surveyRun is one survey run's state.
type surveyRun struct {
	s       *tape
	workers []string
	peer    map[string]int
}

// runSurvey has the embedded control plane survey every worker
// (api.SurveyStatus, with Spec.Size bytes of padding) at the planned rate,
// each survey open for spec.Timeout: Recv and ByPeer time each answer from
// the survey's intended send, Last the time until every worker had
// answered (surveys that every worker answered), and Outcome.Survey counts
// the share of answers owed that came before the deadline. A worker that
// did not answer a survey in time has lost it. Open loop, surveys overlap:
// each holds one in-flight slot for its whole deadline, so Concurrency
// must cover Rate x Timeout.
func runSurvey(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error) {
	cp := c.ControlPlane()
	if cp == nil {
		return nil, fmt.Errorf("%w: survey runs through its Go API", ErrEmbedded)
	}
	probe(ctx, cp, workers)
	tl := record.NewTimeline(spec.Warmup, spec.Duration)
	r := &surveyRun{s: newTape(spec, tl, workers, history.OwedEach), workers: workers, peer: map[string]int{}}
	r.s.w.Last, r.s.w.Survey = history.LastEach, true
	for i, w := range workers {
		r.peer[w] = i
	}
	pad := newPadding(spec.Size, spec.Seed)
	drive(ctx, spec, tl, func(ctx context.Context, t engine.Tick) {
		data := pad.json(t.Seq)
		sctx, cancel := context.WithTimeout(ctx, spec.Timeout)
		defer cancel()
		res, err := cp.Survey(sctx, api.SurveyStatus, data)
		switch {
		case err != nil && ctx.Err() != nil:
			return // cut short by the caller
		case res == nil:
			now := time.Now()
			r.s.sendFailed(t.Seq, t.Due(now), now)
			return
		}
		r.take(t, res, len(data))
	})
	return r.s.outcome(), nil
}

// surveyor is the part of the control plane a survey run uses.
type surveyor interface {
	Survey(ctx context.Context, endpoint string, data json.RawMessage) (*survey.Result, error)
}

// probe surveys until every worker answers one, or DefaultConnect has
// passed: workers dial the survey socket once registered, so a cluster
// just online may not have every respondent connected yet. A worker that
// never answers (a fault from the start) is the run's to report.
func probe(ctx context.Context, cp surveyor, workers []string) {
	deadline := time.Now().Add(DefaultConnect)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		pctx, cancel := context.WithTimeout(ctx, probeDeadline)
		res, err := cp.Survey(pctx, api.SurveyStatus, nil)
		cancel()
		if err == nil && len(answered(res, workers)) == len(workers) {
			return
		}
	}
}

// answer is one worker's first answer to a survey.
type answer struct {
	latency time.Duration
}

// answered is which of workers answered res, by node id; error replies
// are not answers.
func answered(res *survey.Result, workers []string) map[string]answer {
	known := map[string]bool{}
	for _, w := range workers {
		known[w] = true
	}
	out := map[string]answer{}
	for _, r := range res.Replies {
		var a api.SurveyAnswer
		if r.Envelope.Error != "" || json.Unmarshal(r.Envelope.Data, &a) != nil || !known[a.NodeID] {
			continue
		}
		if _, dup := out[a.NodeID]; !dup {
			out[a.NodeID] = answer{latency: r.Latency}
		}
	}
	return out
}

// take notes one survey's answers: each received at the survey's send
// (the request's timestamp) plus its latency.
func (r *surveyRun) take(t engine.Tick, res *survey.Result, bytes int) {
	actual := res.Request.Timestamp
	intended := t.Due(actual)
	r.s.sent(0, t.Seq, int(history.NoPeer), intended, actual, bytes)
	for node, a := range answered(res, r.workers) {
		at := actual.Add(a.latency)
		// The survey's bytes, as raw mode's echoing respondents count them
		// (result.Workload.BytesPerS), not the answer's.
		r.s.received(history.ReceiptOp(0, t.Seq, int32(r.peer[node]), at.UnixNano(), bytes), intended, actual) //nolint:gosec // peer < workers
	}
}
