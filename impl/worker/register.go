package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/retry"
)

// lifecycle registers, then heartbeats until the control plane forgets the
// worker (it restarted), then registers again; until ctx ends.
func (w *Worker) lifecycle(ctx context.Context) {
	defer w.loops.Done()
	for {
		interval, err := w.registerUntilDone(ctx)
		if err != nil {
			return // ctx ended
		}
		w.heartbeats(ctx, interval)
		if ctx.Err() != nil {
			return
		}
	}
}

// registerUntilDone retries registration with backoff (capped at the
// reconnect interval) until it succeeds or ctx ends, and returns the
// heartbeat interval to use.
func (w *Worker) registerUntilDone(ctx context.Context) (time.Duration, error) {
	maxDelay := w.cfg.Messaging.ReconnectInterval.D()
	policy := retry.Policy{BaseDelay: min(retry.DefaultBaseDelay, maxDelay), MaxDelay: maxDelay}.WithDefaults()
	for attempt := 1; ; attempt++ {
		reply, err := w.register(ctx)
		if err == nil {
			return w.afterRegister(ctx, reply), nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		w.counters.registerFailures.Add(1)
		delay := policy.Backoff(attempt, rand.Float64()) //nolint:gosec // jitter, not secret
		// A control plane that is down fails every attempt: say so at the
		// first and then now and then, not at every backoff step.
		level := slog.LevelDebug
		if attempt%10 == 1 {
			level = slog.LevelWarn
		}
		w.log.Log(ctx, level, fmt.Sprintf("Registration failed (attempt %d), retrying in %v", attempt, delay.Round(time.Millisecond)), "error", err)
		select {
		case <-w.clk.After(delay):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func (w *Worker) register(ctx context.Context) (api.RegisterReply, error) {
	var reply api.RegisterReply
	data, err := envelope.DataOf(api.Register{
		NodeID:    w.cfg.NodeID,
		Address:   w.advertised(),
		Instances: w.instances.ids(),
		Resources: w.resources(ctx),
	})
	if err != nil {
		return reply, err
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Messaging.RequestTimeout.D())
	defer cancel()
	resp, err := w.client.Call(ctx, cpPeer, api.NodesRegister, data)
	if err != nil {
		return reply, fmt.Errorf("worker: register: %w", err)
	}
	if len(resp.Data) > 0 && string(resp.Data) != "null" {
		if err := json.Unmarshal(resp.Data, &reply); err != nil {
			return reply, fmt.Errorf("worker: register reply: %w", err)
		}
	}
	return reply, nil
}

// afterRegister records the registration, catches up with the control
// plane's config, and picks the heartbeat interval: the control plane's
// if it names one, as it times the worker out.
func (w *Worker) afterRegister(ctx context.Context, reply api.RegisterReply) time.Duration {
	w.registered.Store(true)
	w.counters.registrations.Add(1)
	w.answerSurveys(reply.SurveyAddress)
	w.log.Info(fmt.Sprintf("Registered with the control plane as %s (%s)", w.cfg.NodeID, w.advertised()))
	if applied := w.conf.version(); reply.ConfigVersion != applied {
		// Lower than applied: the control plane restarted without its
		// config history, and it is the authority.
		w.syncConfig(ctx, reply.ConfigVersion < applied)
	}
	interval := w.cfg.Messaging.HeartbeatInterval.D()
	if reply.HeartbeatIntervalSeconds > 0 {
		interval = time.Duration(reply.HeartbeatIntervalSeconds * float64(time.Second))
	}
	return interval
}

func (w *Worker) advertised() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.advertise
}

// heartbeats beats every interval until the control plane says it does
// not know the worker, or ctx ends. A failed heartbeat is logged and
// counted, and the next one goes out on time: the client redials a
// control plane that restarted on its own.
func (w *Worker) heartbeats(ctx context.Context, interval time.Duration) {
	next := w.clk.Now()
	for {
		due := next.Add(interval)
		next = due
		if now := w.clk.Now(); next.Before(now) {
			next = now // a slow beat: do not fire a burst to catch up
		}
		select {
		case <-w.clk.After(next.Sub(w.clk.Now())):
		case <-ctx.Done():
			return
		}
		// The beat carries when it was due before the catch-up, so that
		// the control plane sees how late it is.
		reply, err := w.heartbeat(ctx, due)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.counters.heartbeatFailures.Add(1)
			w.log.Warn("Heartbeat failed", "error", err)
			continue
		}
		w.counters.heartbeats.Add(1)
		if !reply.Known {
			w.registered.Store(false)
			w.log.Info("The control plane does not know this worker: registering again")
			return
		}
		if reply.ConfigVersion > w.conf.version() {
			w.syncConfig(ctx, false)
		}
	}
}

// heartbeat sends the reference payload in an envelope of type heartbeat,
// numbered, with the time it was due. A retry resends the same envelope,
// so the control plane sees the same Seq again.
func (w *Worker) heartbeat(ctx context.Context, due time.Time) (api.HeartbeatReply, error) {
	var reply api.HeartbeatReply
	res := w.resources(ctx)
	data, err := envelope.DataOf(api.Heartbeat{
		NodeID:    w.cfg.NodeID,
		Timestamp: w.clk.Now().UTC(),
		Status:    api.StatusOnline,
		Instances: w.instances.ids(),
		Resources: res,
		Seq:       w.beatSeq.Add(1),
		Due:       due.UTC(),
	})
	if err != nil {
		return reply, err
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Messaging.RequestTimeout.D())
	defer cancel()
	resp, err := w.client.Do(ctx, cpPeer, envelope.New(envelope.Heartbeat, w.cfg.NodeID, api.NodesHeartbeat, data))
	if err != nil {
		return reply, fmt.Errorf("worker: heartbeat: %w", err)
	}
	if err := json.Unmarshal(resp.Data, &reply); err != nil {
		return reply, fmt.Errorf("worker: heartbeat reply: %w", err)
	}
	return reply, nil
}
