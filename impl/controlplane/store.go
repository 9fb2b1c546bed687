package controlplane

import (
	"crypto/rand"
	"errors"
	"time"

	"github.com/nngbench/nngbench/impl/api"
)

// ErrStore is wrapped by errors of the data directory: opening, reading
// or writing it.
var ErrStore = errors.New("controlplane: store")

// store keeps what the control plane must not forget when it is killed:
// the tasks it accepted and their leases, the instances and where they
// live, the nodes, the config versions. Writes are ops, applied in the
// order they are queued; a commit makes every op queued so far durable at
// once (group commit), so concurrent writers share one disk flush.
//
// memStore keeps nothing (no data_dir); boltStore keeps it in a bbolt file.
type store interface {
	// durable is false for memStore: callers skip building ops it drops.
	durable() bool
	// load returns what the previous runs left (nothing for memStore);
	// called once, before anything is queued.
	load() (*restored, error)
	// enqueue queues ops for the next commit and returns at once.
	enqueue(ops ...op)
	// commit queues ops and returns once they, and every op queued before
	// them, are durable.
	commit(ops ...op) error
	// commitAsync is commit that does not wait: the channel gets commit's
	// error.
	commitAsync(ops ...op) <-chan error
	// configHistory returns the config versions above after, oldest
	// first, at most limit of them.
	configHistory(after uint64, limit int) ([]api.ConfigSnapshot, error)
	// close makes what is queued durable and closes the store.
	close() error
}

// opKind says what an op writes.
type opKind uint8

const (
	opNone           opKind = iota // only a counter change, or a barrier
	opPutChunk                     // key: chunk seq; val: the chunk's tasks
	opPutDone                      // key: chunk seq; val: bitmap of its completed tasks
	opDeleteChunk                  // key: chunk seq: every task of it completed
	opPutLease                     // key: lease no; val: encodeLease
	opDeleteLease                  // key: lease no
	opPutNode                      // id: node id; val: its address
	opPutInstance                  // id: instance id; val: api.Instance JSON
	opDeleteInstance               // id: instance id, remembered as deleted
	opMarkDeleted                  // id: instance id, remembered as deleted
	opPutConfig                    // key: version; val: api.ConfigSnapshot JSON
	opDeleteConfig                 // key: version
)

// op is one write. accepted and completed add to the stored task counters
// in the same transaction, so that after a crash they agree with the tasks
// stored.
type op struct {
	kind      opKind
	key       uint64
	id        string
	val       []byte
	accepted  uint64
	completed uint64
}

// restored is what load found.
type restored struct {
	key       []byte // the lease MAC key
	epoch     uint64 // this boot's number: 1 for the first
	accepted  uint64
	completed uint64
	chunks    []restoredChunk // by seq
	leases    []restoredLease // by lease no
	nodes     map[string]string
	instances []api.Instance
	deleted   []string
	config    api.ConfigSnapshot // the latest version; 0 if none
}

type restoredChunk struct {
	seq   uint64
	tasks []api.Task
	done  []byte
}

type restoredLease struct {
	no    uint64
	until time.Time
	refs  []taskRef
}

// taskRef names a task in the store: its chunk and its place in it.
type taskRef struct {
	chunk uint64
	idx   int
}

// memStore is the store without a data_dir: it forgets everything.
type memStore struct{}

func (memStore) durable() bool { return false }

func (memStore) load() (*restored, error) {
	key := make([]byte, tokenKeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	return &restored{key: key, epoch: 1, nodes: map[string]string{}, config: api.ConfigSnapshot{Values: map[string]string{}}}, nil
}

func (memStore) enqueue(...op)      {}
func (memStore) commit(...op) error { return nil }
func (memStore) commitAsync(...op) <-chan error {
	done := make(chan error, 1)
	done <- nil
	return done
}
func (memStore) close() error { return nil }
func (memStore) configHistory(uint64, int) ([]api.ConfigSnapshot, error) {
	return nil, nil
}
