package check

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/impl/api"
)

// Tasks checks the control plane's tasks against the workers' journals:
// every accepted task completed, none pending, and none executed twice
// (counted from executions in the journals, not from acknowledgements,
// which a redelivery repeats). A worker killed between executing a task and
// journaling it can hide one execution; it cannot invent one. Tasks still
// pending when it is called get up to within to complete: a task whose
// result a fault held up is only dispatched again when its lease ends.
func Tasks(ctx context.Context, s State, within time.Duration) (result.Check, error) {
	var st api.TaskStats
	took, _, err := until(ctx, within, func(ctx context.Context) (bool, error) {
		var err error
		st, err = s.TaskStats(ctx)
		return err == nil && st.Pending == 0, err
	})
	if err != nil {
		return result.Check{}, fmt.Errorf("check: tasks: %w", err)
	}
	// A worker journals a task just after its result has gone out, so the
	// control plane can count a completion a moment before its line is
	// written: give the journals a moment to catch up. They can stay behind
	// for good (a worker killed before journaling), hence the bound.
	var runs map[string]int
	if _, _, err := until(ctx, journalLag, func(context.Context) (bool, error) {
		var err error
		runs, err = executions(s)
		return err == nil && uint64(len(runs)) >= st.Completed, err
	}); err != nil {
		return result.Check{}, fmt.Errorf("check: tasks: %w", err)
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
		WaitS: waitS(took),
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

// journalLag bounds the wait for the journals to show every completed task.
const journalLag = time.Second

// executions counts each task's executions in every worker's journal.
func executions(s State) (map[string]int, error) {
	runs := map[string]int{}
	for _, w := range s.Workers() {
		ids, err := s.Journal(w)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			runs[id]++
		}
	}
	return runs, nil
}

// first returns the first n of ids, and says how many more there are.
func first(ids []string, n int) []string {
	if len(ids) <= n {
		return ids
	}
	return append(slices.Clone(ids[:n]), fmt.Sprintf("and %d more", len(ids)-n))
}
