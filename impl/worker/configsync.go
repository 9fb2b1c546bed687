package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/config"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/logging"
)

// configState is the config snapshot the worker applied.
type configState struct {
	mu   sync.Mutex
	snap api.ConfigSnapshot
}

// offerResult is what a broadcast did.
type offerResult int

const (
	offerApplied offerResult = iota // the next version: applied
	offerStale                      // this version or an older one: ignored
	offerGap                        // a version was missed: fetch the latest
)

func (c *configState) get() api.ConfigSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	values := maps.Clone(c.snap.Values)
	if values == nil {
		values = map[string]string{}
	}
	return api.ConfigSnapshot{Version: c.snap.Version, Values: values}
}

func (c *configState) version() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snap.Version
}

// offer applies a broadcast if it is the next version.
func (c *configState) offer(s api.ConfigSnapshot) offerResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case s.Version <= c.snap.Version:
		return offerStale
	case s.Version > c.snap.Version+1:
		return offerGap
	}
	c.snap = api.ConfigSnapshot{Version: s.Version, Values: maps.Clone(s.Values)}
	return offerApplied
}

// replace applies a fetched snapshot if it is newer, or whatever it is
// with force (the control plane restarted and its versions went back).
func (c *configState) replace(s api.ConfigSnapshot, force bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.Version == c.snap.Version || (s.Version < c.snap.Version && !force) {
		return false
	}
	c.snap = api.ConfigSnapshot{Version: s.Version, Values: maps.Clone(s.Values)}
	return true
}

// followConfig applies config.update broadcasts in version order; a gap
// (a broadcast missed while the link was down, or dropped by a full
// queue) is closed by fetching the latest snapshot.
func (w *Worker) followConfig(ctx context.Context) {
	defer w.loops.Done()
	for {
		e, err := w.sub.Recv(ctx)
		if err != nil {
			return // ctx ended or the subscriber closed: the worker is closing
		}
		at := w.clk.Now()
		if e.Endpoint != api.TopicConfigUpdate {
			continue
		}
		if !w.authentic(e) {
			w.counters.configBroadcasts.Add(1)
			continue
		}
		var snap api.ConfigSnapshot
		if err := json.Unmarshal(e.Data, &snap); err != nil {
			w.log.Warn("ignored a config update that does not decode", logging.BadInput, "error", err)
			continue
		}
		offered := w.conf.offer(snap)
		w.recordConfig(snap.Version, at, api.ConfigViaBroadcast, offered == offerApplied)
		switch offered {
		case offerApplied:
			w.log.Info(fmt.Sprintf("Applied config version %d", snap.Version))
		case offerGap:
			w.log.Info(fmt.Sprintf("Config version %d follows %d: fetching the latest", snap.Version, w.conf.version()))
			w.syncConfig(ctx, false)
		case offerStale:
		}
		w.counters.configBroadcasts.Add(1) // after handling, so tests can wait for it
	}
}

// syncConfig fetches the latest snapshot and applies it. A failure is
// logged only: the next heartbeat reply shows the version again.
func (w *Worker) syncConfig(ctx context.Context, force bool) {
	snap, err := w.fetchConfig(ctx)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, envelope.ErrUnauthenticated) { // that one is logged, rate-limited
			w.log.Warn("could not fetch the config snapshot", "error", err)
		}
		return
	}
	w.counters.configFetches.Add(1)
	if w.conf.replace(snap, force) {
		w.recordConfig(snap.Version, w.clk.Now(), api.ConfigViaSnapshot, true)
		w.log.Info(fmt.Sprintf("Applied config version %d (snapshot)", snap.Version))
	}
}

func (w *Worker) fetchConfig(ctx context.Context) (api.ConfigSnapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Messaging.RequestTimeout.D())
	defer cancel()
	var snap api.ConfigSnapshot
	resp, err := w.client.Call(ctx, cpPeer, api.ConfigLatest, nil)
	if err != nil {
		return snap, fmt.Errorf("worker: config snapshot: %w", err)
	}
	if !w.authentic(resp) {
		return snap, fmt.Errorf("worker: config snapshot: %w", envelope.ErrUnauthenticated)
	}
	if err := json.Unmarshal(resp.Data, &snap); err != nil {
		return snap, fmt.Errorf("worker: config snapshot: %w", err)
	}
	return snap, nil
}

// authentic says whether a config update (a broadcast or a snapshot
// reply) may be applied: with auth.secret_file, only one the control plane
// signed with the secret.
// Anything else, which any peer that can reach the socket could have
// sent, is refused, counted and logged (rate-limited).
func (w *Worker) authentic(e *envelope.Envelope) bool {
	if w.key == nil {
		return true
	}
	err := w.key.Verify(e)
	if err == nil {
		return true
	}
	w.counters.configRejected.Add(1)
	w.log.Warn("refused a config update not signed by the control plane", logging.BadInput,
		"endpoint", e.Endpoint, "sender", e.Sender, "id", e.ID, "error", err)
	return false
}

// authKey is the key of auth.secret_file; nil without one.
func authKey(a config.Auth) (*envelope.Key, error) {
	secret, err := a.Secret()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if secret == nil {
		return nil, nil
	}
	k, err := envelope.NewKey(secret)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrConfig, config.ErrSecret, err)
	}
	return k, nil
}
