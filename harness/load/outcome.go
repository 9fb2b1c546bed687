package load

import (
	"fmt"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
	"github.com/nngbench/nngbench/harness/scenario"
)

// workload describes spec's run over peers receivers for its history: who is owed what, and
// which figures apply.
func (s Spec) workload(c record.Timeline, each bool, peers int, killed []int) history.Workload {
	w := history.Workload{Pattern: string(s.Pattern), Mode: string(scenario.ModeRaw), Model: result.ModelOpen,
		PlannedRate: s.Rate, Concurrency: s.Concurrency, Transport: string(s.Transport), Owed: history.OwedAny, Ordered: true,
		Start: c.Start, Window: c.Window, End: c.End, Killed: killed, Measured: true}
	if s.Rate == 0 {
		w.Model, w.ExpectedInterval = result.ModelClosed, s.ExpectedInterval
	}
	name := "peer-%d"
	switch {
	case s.Pattern == scenario.PatternReqRep:
		w.Owed, name = history.OwedOne, "sender-%d" // a reply is owed to the goroutine that asked
	case s.Pattern == scenario.PatternSurvey:
		w.Owed, w.Last, w.Survey, w.Ordered = history.OwedEach, history.LastEach, true, false
	case each:
		w.Owed, w.Last = history.OwedEach, history.LastEach
	}
	for i := range peers {
		w.Peers = append(w.Peers, fmt.Sprintf(name, i))
	}
	return w
}
