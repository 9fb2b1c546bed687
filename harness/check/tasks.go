package check

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nngbench/nngbench/harness/result"
)

// Tasks checks the control plane's tasks against the workers' journals:
// every accepted task completed, none pending, and none executed twice
// (counted from executions in the journals, not from acknowledgements,
// which a redelivery repeats). A worker killed between executing a task and
// journaling it can hide one execution; it cannot invent one.
func Tasks(ctx context.Context, s State) (result.Check, error) {
	st, err := s.TaskStats(ctx)
	if err != nil {
		return result.Check{}, fmt.Errorf("check: tasks: %w", err)
	}
	runs := map[string]int{}
	for _, w := range s.Workers() {
		ids, err := s.Journal(w)
		if err != nil {
			return result.Check{}, fmt.Errorf("check: tasks: %w", err)
		}
		for _, id := range ids {
			runs[id]++
		}
	}
	var twice []string
	for id, n := range runs {
		if n > 1 {
			twice = append(twice, id)
		}
	}
	slices.Sort(twice)
	c := result.Check{
		Name: "tasks",
		OK:   st.Pending == 0 && st.Completed == st.Accepted && len(twice) == 0,
		Counts: map[string]int64{
			"accepted": int64(st.Accepted), "completed": int64(st.Completed), "pending": int64(st.Pending),
			"executed": int64(len(runs)), "executed_twice": int64(len(twice)),
			"redelivered": int64(st.Redelivered), "duplicate_results": int64(st.Duplicates),
		},
	}
	var why []string
	if st.Completed != st.Accepted || st.Pending > 0 {
		why = append(why, fmt.Sprintf("%d of %d accepted completed, %d pending", st.Completed, st.Accepted, st.Pending))
	}
	if len(twice) > 0 {
		why = append(why, fmt.Sprintf("executed twice: %s", strings.Join(first(twice, 5), ", ")))
	}
	c.Detail = strings.Join(why, "; ")
	return c, nil
}

// first returns the first n of ids, and says how many more there are.
func first(ids []string, n int) []string {
	if len(ids) <= n {
		return ids
	}
	return append(slices.Clone(ids[:n]), fmt.Sprintf("and %d more", len(ids)-n))
}
