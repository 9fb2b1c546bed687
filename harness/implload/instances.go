package implload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"

	"github.com/nngbench/nngbench/harness/check"
	"github.com/nngbench/nngbench/harness/cluster"
	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/impl/api"
)

// Image is the image of the instances the reqrep driver creates.
const Image = "nngbench/sim"

// errNothingToDelete fails a delete due while the run holds no instance
// of its own that no other delete has taken.
var errNothingToDelete = errors.New("implload: no instance of this run left to delete")

// Ledger is one run's account of the instances its workloads created and
// deleted, shared by every workload of the run (Spec.Instances): ids
// unique to the run, and the instances a delete may take. Safe for
// concurrent use.
type Ledger struct {
	prefix string
	mu     sync.Mutex
	next   uint64
	live   []created // created, not yet taken by a delete; oldest first
	made   check.Made
}

// created is an instance the control plane answered for, and the worker
// it placed it on.
type created struct {
	id   string
	peer int
}

// NewLedger returns an empty ledger whose ids ("nngbench-", a random tag
// and a number) no other run's share.
func NewLedger() *Ledger {
	return &Ledger{prefix: fmt.Sprintf("nngbench-%08x-", rand.Uint32())} //nolint:gosec // unique, not secret
}

// Made is what the run did so far, for check.Accounting.
func (l *Ledger) Made() check.Made {
	l.mu.Lock()
	defer l.mu.Unlock()
	return check.Made{Created: slices.Clone(l.made.Created), Deleted: slices.Clone(l.made.Deleted),
		Uncertain: slices.Clone(l.made.Uncertain)}
}

func (l *Ledger) newID() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	return l.prefix + strconv.FormatUint(l.next, 10)
}

// note records the answer to a create (peer the worker it is on) or a
// delete of id: err nil, done; else uncertain.
func (l *Ledger) note(id string, del bool, peer int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err != nil:
		l.made.Uncertain = append(l.made.Uncertain, id)
	case del:
		l.made.Deleted = append(l.made.Deleted, id)
	default:
		l.made.Created = append(l.made.Created, id)
		l.live = append(l.live, created{id: id, peer: peer})
	}
}

// take hands the oldest live instance to one delete.
func (l *Ledger) take() (created, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.live) == 0 {
		return created{}, false
	}
	c := l.live[0]
	l.live = l.live[1:]
	return c, true
}

// runPlaced creates or deletes instances through the control plane's admin
// API (api.AdminCreateInstance, api.AdminDeleteInstance): it places each
// create on a worker and carries both there over its retrying,
// breaker-guarded client. A create is answered by the worker it was placed
// on (history.OwedAny: the control plane picks); a delete takes the
// oldest instance this run created that no delete has taken yet, and
// fails at once when there is none. Every answer goes into the run's
// Ledger for check.Accounting.
func runPlaced(ctx context.Context, spec Spec, c *cluster.Cluster, workers []string) (*engine.Outcome, error) {
	cli, err := dialRelay(ctx, c, workers, spec.Timeout, spec.Concurrency)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	l := spec.Instances
	if l == nil {
		l = NewLedger()
	}
	peer := make(map[string]int, len(workers))
	for i, w := range workers {
		peer[w] = i
	}
	pad := newPadding(spec.Size, spec.Seed)
	call := func(ctx context.Context, t trip) (int, error) {
		id := l.newID()
		req, err := json.Marshal(api.CreateInstance{ID: id, Image: Image, Config: map[string]string{"pad": pad.text(t.seq)}})
		if err != nil {
			return t.to, err // strings only: never
		}
		resp, err := cli.Call(ctx, relayPeer, api.AdminCreateInstance, req)
		var inst api.Instance
		if err == nil {
			err = resp.Bind(&inst)
		}
		at, known := peer[inst.Node]
		if err == nil && !known {
			err = fmt.Errorf("implload: %s placed on %q, no worker of this cluster", id, inst.Node)
		}
		l.note(id, false, at, err) // cut short by the run's end too: sent or not, unknown
		return at, err
	}
	if spec.Endpoint == api.InstancesDelete {
		call = func(ctx context.Context, t trip) (int, error) {
			inst, ok := l.take()
			if !ok {
				return t.to, errNothingToDelete
			}
			req, err := json.Marshal(api.DeleteInstance{ID: inst.id})
			if err != nil {
				return t.to, err
			}
			_, err = cli.Call(ctx, relayPeer, api.AdminDeleteInstance, req)
			l.note(inst.id, true, inst.peer, err)
			return inst.peer, err
		}
	}
	return roundTrips(ctx, spec, workers, history.OwedAny, call), nil
}
