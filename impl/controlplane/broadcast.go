package controlplane

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
)

// SetConfig merges values into the config, makes the result the next
// version (1, 2, 3, ...) and broadcasts it under api.TopicConfigUpdate.
// Versions reach the wire in order. A worker that missed a broadcast sees
// the newer version in its heartbeat reply and fetches api.ConfigLatest.
// If the snapshot cannot be published (it is too large, say), nothing
// changes and the error says why.
func (cp *ControlPlane) SetConfig(ctx context.Context, values map[string]string) (api.ConfigSnapshot, error) {
	if err := cp.running(); err != nil {
		return api.ConfigSnapshot{}, err
	}
	if err := ctx.Err(); err != nil {
		return api.ConfigSnapshot{}, fmt.Errorf("controlplane: set config: %w", err)
	}
	if len(values) == 0 {
		return api.ConfigSnapshot{}, fmt.Errorf("%w: no values to set", ErrBadRequest)
	}
	if _, ok := values[""]; ok {
		return api.ConfigSnapshot{}, fmt.Errorf("%w: empty config key", ErrBadRequest)
	}
	// pubMu, not cfgMu, is held while the version is stored and published:
	// heartbeats, which read the current version, do not wait for a disk.
	cp.pubMu.Lock()
	defer cp.pubMu.Unlock()
	cur := cp.Config()
	next := api.ConfigSnapshot{Version: cur.Version + 1, Values: cur.Values}
	maps.Copy(next.Values, values)
	data, err := envelope.DataOf(next)
	if err == nil {
		// Stored before it is published: a restarted control plane that
		// forgot a version workers have would publish another one under
		// the same number.
		err = cp.store.commit(op{kind: opPutConfig, key: next.Version, val: data})
	}
	if err == nil {
		// Published under the lock, so that versions go out in order.
		if _, err = cp.pub.Publish(api.TopicConfigUpdate, data); err != nil {
			err = errors.Join(err, cp.store.commit(op{kind: opDeleteConfig, key: next.Version}))
		}
	}
	if err != nil {
		return api.ConfigSnapshot{}, fmt.Errorf("controlplane: publish config version %d: %w", next.Version, err)
	}
	cp.cfgMu.Lock()
	cp.snapshot = next
	cp.cfgMu.Unlock()
	cp.log.Info(fmt.Sprintf("Published config version %d (%d keys)", next.Version, len(next.Values)))
	cp.emit(Event{Kind: ConfigPublished, Detail: "version " + strconv.FormatUint(next.Version, 10)})
	return api.ConfigSnapshot{Version: next.Version, Values: maps.Clone(next.Values)}, nil
}

// Config returns the latest config snapshot (version 0, no values, before
// the first SetConfig).
func (cp *ControlPlane) Config() api.ConfigSnapshot {
	cp.cfgMu.Lock()
	defer cp.cfgMu.Unlock()
	return api.ConfigSnapshot{Version: cp.snapshot.Version, Values: maps.Clone(cp.snapshot.Values)}
}

// ConfigHistory returns the config versions above after, oldest first, at
// most limit of them (limit < 1: 100). With a data_dir it has every version
// since the data began; without, only the latest is kept.
func (cp *ControlPlane) ConfigHistory(after uint64, limit int) ([]api.ConfigSnapshot, error) {
	if limit < 1 {
		limit = 100
	}
	if cp.store.durable() {
		return cp.store.configHistory(after, limit)
	}
	if latest := cp.Config(); latest.Version > after {
		return []api.ConfigSnapshot{latest}, nil
	}
	return nil, nil
}
