package gate

import (
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/nngbench/nngbench/harness/result"
)

// Runs is every run of each scenario found under one folder.
type Runs struct {
	Dir       string
	Scenarios map[string][]Run // by result.Result.Scenario, each in path order
}

// Run is one result.json.
type Run struct {
	Path   string
	Result *result.Result
}

// Names lists the scenarios, sorted.
func (rs *Runs) Names() []string { return slices.Sorted(maps.Keys(rs.Scenarios)) }

// LoadRuns reads every result.json under dir, at any depth, and groups
// them by scenario name, so that each of these layouts works:
// OUT/<scenario>/result.json, OUT/<scenario>/run-01/result.json,
// OUT/run-01/<scenario>/result.json, or a scenario's own folder. A folder
// that is missing, holds no result, or holds one that does not read is an
// error: a gate does not decide on part of its input.
func LoadRuns(dir string) (*Runs, error) {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("gate: %w", err)
	case !st.IsDir():
		return nil, fmt.Errorf("gate: %s is not a folder", dir)
	}
	// A gate compares totals: the time series are dropped as each file is
	// read, so that many long runs fit in the memory of one.
	entries, err := result.ReadDirSummaries(dir)
	if err != nil {
		return nil, fmt.Errorf("gate: reading %s: %w", dir, err)
	}
	rs := &Runs{Dir: dir, Scenarios: map[string][]Run{}}
	for _, e := range entries {
		rs.Scenarios[e.Result.Scenario] = append(rs.Scenarios[e.Result.Scenario], Run{Path: e.Path, Result: e.Result})
	}
	return rs, nil
}
