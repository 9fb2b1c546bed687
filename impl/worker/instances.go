package worker

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/nngbench/nngbench/impl/api"
)

// ErrStateFile is wrapped by errors reading or writing instances.state_file.
var ErrStateFile = errors.New("worker: state file")

// instanceStore holds the worker's simulated instances and, with a path,
// keeps them on disk: every change rewrites the file (temp + rename), so a
// restarted worker reports the same instances and the control plane can
// reconcile them.
type instanceStore struct {
	path string // "" = memory only

	mu   sync.Mutex // also orders the file writes
	byID map[string]api.Instance
}

// loadInstances reads path if it exists; a missing file is no instances.
func loadInstances(path string) (*instanceStore, error) {
	s := &instanceStore{path: path, byID: map[string]api.Instance{}}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStateFile, err)
	}
	var doc api.InstanceList
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrStateFile, path, err)
	}
	for _, in := range doc.Instances {
		if in.ID == "" {
			return nil, fmt.Errorf("%w: %s: an instance without id", ErrStateFile, path)
		}
		s.byID[in.ID] = in
	}
	return s, nil
}

func (s *instanceStore) get(id string) (api.Instance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.byID[id]
	return in, ok
}

// add stores in unless its id exists, and returns what is stored under the
// id and whether it is in: a create that raced another with the same id
// gets the first one.
func (s *instanceStore) add(in api.Instance) (api.Instance, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.byID[in.ID]; ok {
		return old, false, nil
	}
	s.byID[in.ID] = in
	if err := s.persist(); err != nil {
		delete(s.byID, in.ID) // not kept, so not reported either
		return api.Instance{}, false, err
	}
	return in, true, nil
}

// remove deletes id and says whether it existed.
func (s *instanceStore) remove(id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byID[id]
	if !ok {
		return false, nil
	}
	delete(s.byID, id)
	if err := s.persist(); err != nil {
		s.byID[id] = old
		return false, err
	}
	return true, nil
}

// list returns the instances sorted by id.
func (s *instanceStore) list() []api.Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Collect(maps.Values(s.byID))
	slices.SortFunc(out, func(a, b api.Instance) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// ids returns the instance ids sorted, never nil (the heartbeat sends []).
func (s *instanceStore) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.byID))
	for id := range s.byID {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (s *instanceStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// persist writes the instances to a temporary file beside path and renames
// it over path, so a reader, or a worker restarted after a crash, sees the
// old file or the new one, never half of one. Called with mu held.
func (s *instanceStore) persist() error {
	if s.path == "" {
		return nil
	}
	doc := api.InstanceList{Instances: slices.Collect(maps.Values(s.byID))}
	slices.SortFunc(doc.Instances, func(a, b api.Instance) int { return cmp.Compare(a.ID, b.ID) })
	if doc.Instances == nil {
		doc.Instances = []api.Instance{}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStateFile, err)
	}
	if err := writeAtomic(s.path, append(b, '\n')); err != nil {
		return fmt.Errorf("%w: %w", ErrStateFile, err)
	}
	return nil
}

// writeAtomic writes data to path through a synced temporary file in the
// same directory and a rename.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
