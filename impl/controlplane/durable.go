package controlplane

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/nngbench/nngbench/impl/api"
)

// dbFile is the bbolt file in data_dir.
const dbFile = "controlplane.db"

// Buckets of the bbolt file. Numeric keys are big-endian uint64, so that
// they sort as numbers: chunks and leases come back in the order they were
// made, and the latest config version is the last key.
var (
	bucketMeta      = []byte("meta")      // keyMAC, keyEpoch, keyStats
	bucketChunks    = []byte("chunks")    // chunk seq -> its tasks (api.EncodeTasks)
	bucketDone      = []byte("done")      // chunk seq -> bitmap of its completed tasks
	bucketLeases    = []byte("leases")    // lease no -> encodeLease
	bucketNodes     = []byte("nodes")     // node id -> its address
	bucketInstances = []byte("instances") // instance id -> api.Instance JSON, Node its placement
	bucketDeleted   = []byte("deleted")   // instance id -> nothing: deleted, never adopt it
	bucketConfig    = []byte("config")    // version -> api.ConfigSnapshot JSON
	allBuckets      = [][]byte{bucketMeta, bucketChunks, bucketDone, bucketLeases, bucketNodes,
		bucketInstances, bucketDeleted, bucketConfig}

	keyMAC   = []byte("lease_key")
	keyEpoch = []byte("epoch")
	keyStats = []byte("task_stats") // accepted, completed: 16 bytes
)

// boltStore is the store in data_dir: one bbolt file, written by one
// goroutine that commits whatever has been queued since its last commit
// in one transaction, so that a transaction's two fsyncs serve every
// writer that queued meanwhile.
type boltStore struct {
	db *bolt.DB

	mu      sync.Mutex
	queue   []op
	waiters []chan error
	err     error // the first failed commit: every later write fails too
	closed  bool
	kick    chan struct{} // capacity 1: something is queued
	stopped chan struct{} // the commit loop has ended

	// The task counters as stored; only the commit loop uses them.
	accepted, completed uint64
	commits             atomic.Int64 // transactions committed: how well writes group
}

// openBolt opens (or creates) the store in dir and starts its commit loop.
func openBolt(dir string) (*boltStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: data_dir: %w", ErrStore, err)
	}
	path := filepath.Join(dir, dbFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		// Another process holding the file (a second control plane on the
		// same data_dir) is an error, not a wait.
		Timeout: 2 * time.Second,
		// The free list is rebuilt when the file is opened rather than
		// written at every commit: under task churn it is most of a
		// commit's pages.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			err = errors.New("locked by another process")
		}
		return nil, fmt.Errorf("%w: open %s: %w", ErrStore, path, err)
	}
	s := &boltStore{db: db, kick: make(chan struct{}, 1), stopped: make(chan struct{})}
	go s.loop()
	return s, nil
}

func (s *boltStore) durable() bool { return true }

func (s *boltStore) enqueue(ops ...op) {
	s.mu.Lock()
	if s.closed || s.err != nil {
		s.mu.Unlock()
		return // commit reports it; an async write has nobody to tell
	}
	s.queue = append(s.queue, ops...)
	s.mu.Unlock()
	s.signal()
}

func (s *boltStore) commit(ops ...op) error { return <-s.commitAsync(ops...) }

func (s *boltStore) commitAsync(ops ...op) <-chan error {
	done := make(chan error, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		done <- fmt.Errorf("%w: %w", ErrStore, ErrClosed)
	case s.err != nil:
		done <- s.err
	default:
		s.queue = append(s.queue, ops...)
		s.waiters = append(s.waiters, done)
		s.signal()
	}
	return done
}

func (s *boltStore) signal() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// loop commits what is queued until close, then what close left queued.
func (s *boltStore) loop() {
	defer close(s.stopped)
	var spare []op
	for range s.kick {
		s.mu.Lock()
		ops, waiters, closing := s.queue, s.waiters, s.closed
		s.queue, s.waiters = spare[:0], nil
		s.mu.Unlock()
		if len(ops) > 0 || len(waiters) > 0 {
			err := s.apply(ops)
			if err != nil {
				s.mu.Lock()
				if s.err == nil {
					s.err = err
				}
				s.mu.Unlock()
			}
			for _, w := range waiters {
				w <- err
			}
		}
		clear(ops) // drop the values they hold
		spare = ops
		if closing {
			s.mu.Lock()
			empty := len(s.queue) == 0 && len(s.waiters) == 0
			s.mu.Unlock()
			if empty {
				return
			}
			s.signal()
		}
	}
}

// apply writes ops in one transaction.
func (s *boltStore) apply(ops []op) error {
	accepted, completed := s.accepted, s.completed
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, o := range ops {
			accepted += o.accepted
			completed += o.completed
			if err := applyOp(tx, o); err != nil {
				return err
			}
		}
		if accepted == s.accepted && completed == s.completed {
			return nil
		}
		var v [16]byte
		binary.BigEndian.PutUint64(v[:8], accepted)
		binary.BigEndian.PutUint64(v[8:], completed)
		return tx.Bucket(bucketMeta).Put(keyStats, v[:])
	})
	if err != nil {
		return fmt.Errorf("%w: commit %d writes: %w", ErrStore, len(ops), err)
	}
	s.accepted, s.completed = accepted, completed
	s.commits.Add(1)
	return nil
}

func applyOp(tx *bolt.Tx, o op) error {
	bucket := func(name []byte) *bolt.Bucket {
		b := tx.Bucket(name)
		// Keys grow: full pages, not half-full ones, for appends.
		b.FillPercent = 0.9
		return b
	}
	k := u64(o.key)
	switch o.kind {
	case opNone:
		return nil
	case opPutChunk:
		return bucket(bucketChunks).Put(k, o.val)
	case opPutDone:
		return bucket(bucketDone).Put(k, o.val)
	case opDeleteChunk:
		return errors.Join(bucket(bucketChunks).Delete(k), bucket(bucketDone).Delete(k))
	case opPutLease:
		return bucket(bucketLeases).Put(k, o.val)
	case opDeleteLease:
		return bucket(bucketLeases).Delete(k)
	case opPutNode:
		return tx.Bucket(bucketNodes).Put([]byte(o.id), o.val)
	case opPutInstance:
		return errors.Join(tx.Bucket(bucketInstances).Put([]byte(o.id), o.val),
			tx.Bucket(bucketDeleted).Delete([]byte(o.id)))
	case opDeleteInstance:
		return errors.Join(tx.Bucket(bucketInstances).Delete([]byte(o.id)),
			tx.Bucket(bucketDeleted).Put([]byte(o.id), nil))
	case opMarkDeleted:
		return tx.Bucket(bucketDeleted).Put([]byte(o.id), nil)
	case opPutConfig:
		return tx.Bucket(bucketConfig).Put(k, o.val)
	case opDeleteConfig:
		return tx.Bucket(bucketConfig).Delete(k)
	}
	return fmt.Errorf("unknown op %d", o.kind)
}

// close commits what is queued, stops the loop and closes the file.
func (s *boltStore) close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.signal()
	<-s.stopped
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if cerr := s.db.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("%w: close: %w", ErrStore, cerr))
	}
	return err
}

// load reads everything, and starts a new boot: the epoch goes up by one,
// durably, before any lease of this boot is numbered.
func (s *boltStore) load() (r *restored, err error) {
	defer func() {
		// bbolt panics on some damaged pages (it rolls the transaction
		// back first): a damaged file is an error that names it.
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%w: load %s: damaged: %v", ErrStore, s.db.Path(), p)
		}
	}()
	r = &restored{nodes: map[string]string{}, config: api.ConfigSnapshot{Values: map[string]string{}}}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if err := loadMeta(tx.Bucket(bucketMeta), r); err != nil {
			return err
		}
		return errors.Join(loadTasks(tx, r), loadCluster(tx, r))
	})
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %w", ErrStore, s.db.Path(), err)
	}
	s.accepted, s.completed = r.accepted, r.completed
	return r, nil
}

func loadMeta(meta *bolt.Bucket, r *restored) error {
	r.key = append([]byte(nil), meta.Get(keyMAC)...)
	if len(r.key) == 0 {
		r.key = make([]byte, tokenKeySize)
		_, _ = rand.Read(r.key) // crypto/rand.Read never fails (Go 1.24+)
		if err := meta.Put(keyMAC, r.key); err != nil {
			return err
		}
	} else if len(r.key) != tokenKeySize {
		return fmt.Errorf("meta/%s: %d bytes, want %d", keyMAC, len(r.key), tokenKeySize)
	}
	if v := meta.Get(keyEpoch); v != nil {
		if len(v) != 8 {
			return fmt.Errorf("meta/%s: %d bytes, want 8", keyEpoch, len(v))
		}
		r.epoch = binary.BigEndian.Uint64(v)
	}
	r.epoch++
	if r.epoch >= 1<<(64-epochShift) {
		return fmt.Errorf("meta/%s: %d boots, the most lease numbers can tell apart", keyEpoch, r.epoch)
	}
	if err := meta.Put(keyEpoch, u64(r.epoch)); err != nil {
		return err
	}
	if v := meta.Get(keyStats); v != nil {
		if len(v) != 16 {
			return fmt.Errorf("meta/%s: %d bytes, want 16", keyStats, len(v))
		}
		r.accepted, r.completed = binary.BigEndian.Uint64(v[:8]), binary.BigEndian.Uint64(v[8:])
	}
	return nil
}

func loadTasks(tx *bolt.Tx, r *restored) error {
	done := tx.Bucket(bucketDone)
	err := tx.Bucket(bucketChunks).ForEach(func(k, v []byte) error {
		seq, err := keyU64(bucketChunks, k)
		if err != nil {
			return err
		}
		b, err := api.DecodeTasks(v)
		if err != nil {
			return fmt.Errorf("chunks/%d: %w", seq, err)
		}
		bits := append([]byte(nil), done.Get(k)...)
		if want := (len(b.Tasks) + 7) / 8; len(bits) != want {
			if len(bits) != 0 {
				return fmt.Errorf("done/%d: %d bytes for %d tasks", seq, len(bits), len(b.Tasks))
			}
			bits = make([]byte, want)
		}
		r.chunks = append(r.chunks, restoredChunk{seq: seq, tasks: b.Tasks, done: bits})
		return nil
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bucketLeases).ForEach(func(k, v []byte) error {
		no, err := keyU64(bucketLeases, k)
		if err != nil {
			return err
		}
		l, err := decodeLease(no, v)
		if err != nil {
			return fmt.Errorf("leases/%d: %w", no, err)
		}
		r.leases = append(r.leases, l)
		return nil
	})
}

func loadCluster(tx *bolt.Tx, r *restored) error {
	err := tx.Bucket(bucketNodes).ForEach(func(k, v []byte) error {
		r.nodes[string(k)] = string(v)
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketInstances).ForEach(func(k, v []byte) error {
		var inst api.Instance
		if err := json.Unmarshal(v, &inst); err != nil {
			return fmt.Errorf("instances/%s: %w", k, err)
		}
		r.instances = append(r.instances, inst)
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketDeleted).ForEach(func(k, _ []byte) error {
		r.deleted = append(r.deleted, string(k))
		return nil
	})
	if err != nil {
		return err
	}
	if k, v := tx.Bucket(bucketConfig).Cursor().Last(); k != nil {
		if err := json.Unmarshal(v, &r.config); err != nil {
			return fmt.Errorf("config/%x: %w", k, err)
		}
		if r.config.Values == nil {
			r.config.Values = map[string]string{}
		}
	}
	return nil
}

func (s *boltStore) configHistory(after uint64, limit int) ([]api.ConfigSnapshot, error) {
	var out []api.ConfigSnapshot
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketConfig).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var snap api.ConfigSnapshot
			if err := json.Unmarshal(v, &snap); err != nil {
				return fmt.Errorf("config/%x: %w", k, err)
			}
			out = append(out, snap)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: config history: %w", ErrStore, err)
	}
	return out, nil
}

// encodeLease is a lease's end (unix ns) and, per task, its chunk and
// place as two uvarints.
func encodeLease(until time.Time, tasks []*taskEntry) []byte {
	b := make([]byte, 8, 8+len(tasks)*4)
	binary.BigEndian.PutUint64(b, uint64(until.UnixNano()))
	for _, e := range tasks {
		b = binary.AppendUvarint(b, e.chunk.seq)
		b = binary.AppendUvarint(b, uint64(e.idx))
	}
	return b
}

func decodeLease(no uint64, v []byte) (restoredLease, error) {
	if len(v) < 8 {
		return restoredLease{}, fmt.Errorf("%d bytes, want at least 8", len(v))
	}
	l := restoredLease{no: no, until: time.Unix(0, int64(binary.BigEndian.Uint64(v)))}
	for rest := v[8:]; len(rest) > 0; {
		c, n := binary.Uvarint(rest)
		if n <= 0 {
			return restoredLease{}, errors.New("torn task reference")
		}
		rest = rest[n:]
		idx, n := binary.Uvarint(rest)
		if n <= 0 || idx >= chunkTasks {
			return restoredLease{}, errors.New("torn task reference")
		}
		rest = rest[n:]
		l.refs = append(l.refs, taskRef{chunk: c, idx: int(idx)})
	}
	return l, nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func keyU64(bucket, k []byte) (uint64, error) {
	if len(k) != 8 {
		return 0, fmt.Errorf("%s: key of %d bytes, want 8", bucket, len(k))
	}
	return binary.BigEndian.Uint64(k), nil
}
