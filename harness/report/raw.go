package report

import (
	"cmp"
	"image/color"
	"slices"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
)

// Outcome colours of the every-operation chart, as Jepsen's latency-raw
// draws them: ok blue, error red, timeout orange.
var (
	OKColour      = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	ErrorColour   = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	TimeoutColour = color.RGBA{R: 255, G: 127, B: 14, A: 255}
)

// FaultColours are the faults' lanes, fault i in FaultColours[i%len]; none
// is an outcome's colour.
var FaultColours = []color.RGBA{
	{R: 44, G: 160, B: 44, A: 255},
	{R: 148, G: 103, B: 189, A: 255},
	{R: 140, G: 86, B: 75, A: 255},
	{R: 227, G: 119, B: 194, A: 255},
	{R: 188, G: 189, B: 34, A: 255},
	{R: 23, G: 190, B: 207, A: 255},
}

// MaxRawOK bounds the ok operations the every-operation chart draws per
// workload. Beyond it the chart draws a sample, chosen without randomness:
// the MaxRawOK/4 slowest, then an even stride through the rest in time
// order. Every error and timeout is drawn whatever their number.
const MaxRawOK = 20_000

// outcome is how an operation of the chart ended.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeError
	outcomeTimeout
)

// rawPoint is one operation: when it ended (s since the measured window
// started) and how long it took from its intended send (ms).
type rawPoint struct {
	t, ms   float64
	outcome outcome
}

// rawSeries is one workload's operations, sampled.
type rawSeries struct {
	name     string
	points   []rawPoint
	okTotal  int // ok operations in the window, drawn or not
	okDrawn  int
	failures int // errors and timeouts, all drawn
}

// rawOps turns each workload's history into its operations: each receipt
// of a message timed from the message's intended send (an error reply is
// an error), each failure timed from when it was due (a timeout or an
// error). A receipt of no message of the run (no stamp) has no latency and
// is left out: result.json counts it among the errors. Operations that
// ended before the measured window are left out too.
func rawOps(h *history.History, start int64) []rawSeries {
	out := make([]rawSeries, 0, len(h.Meta.Workloads))
	for i, w := range h.Meta.Workloads {
		var tapes [][]history.Op
		if i < len(h.Tapes) {
			tapes = h.Tapes[i]
		}
		out = append(out, sample(w.Name, workloadOps(tapes, start)))
	}
	return out
}

type msgKey struct {
	sender uint32
	seq    uint64
}

func workloadOps(tapes [][]history.Op, start int64) []rawPoint {
	due := map[msgKey]int64{}
	for _, tape := range tapes {
		for _, op := range tape {
			if op.Kind == history.Send {
				if _, seen := due[msgKey{op.Sender, op.Seq}]; !seen {
					due[msgKey{op.Sender, op.Seq}] = op.T1
				}
			}
		}
	}
	var pts []rawPoint
	add := func(at, from int64, o outcome) {
		if at >= start {
			pts = append(pts, rawPoint{t: float64(at-start) / 1e9, ms: float64(at-from) / 1e6, outcome: o})
		}
	}
	for _, tape := range tapes {
		for _, op := range tape {
			switch op.Kind {
			case history.Receipt:
				from, ok := due[msgKey{op.Sender, op.Seq}]
				if !ok || op.Flags&(history.FlagForeign|history.FlagSnapshot) != 0 {
					continue
				}
				o := outcomeOK
				if op.Outcome == history.Error {
					o = outcomeError
				}
				add(op.T1, from, o)
			case history.Fail:
				o := outcomeError
				if op.Outcome == history.Timeout {
					o = outcomeTimeout
				}
				add(op.T1, op.T2, o)
			default: // sends are drawn by their outcome, not on their own
			}
		}
	}
	slices.SortStableFunc(pts, func(a, b rawPoint) int { return cmp.Compare(a.t, b.t) })
	return pts
}

// sample keeps every failure and at most MaxRawOK ok operations: all of
// them when they fit, else the slowest MaxRawOK/4 and an even stride
// through the others, in time order.
func sample(name string, pts []rawPoint) rawSeries {
	s := rawSeries{name: name}
	var ok []int
	for i, p := range pts {
		if p.outcome == outcomeOK {
			ok = append(ok, i)
		} else {
			s.failures++
		}
	}
	s.okTotal = len(ok)
	keep := make([]bool, len(pts))
	if len(ok) <= MaxRawOK {
		for _, i := range ok {
			keep[i] = true
		}
	} else {
		slowest := slices.Clone(ok)
		slices.SortStableFunc(slowest, func(a, b int) int { return cmp.Compare(pts[b].ms, pts[a].ms) })
		for _, i := range slowest[:MaxRawOK/4] {
			keep[i] = true
		}
		rest := MaxRawOK - MaxRawOK/4
		for k := range rest {
			keep[ok[k*len(ok)/rest]] = true // may hit a slowest one: the sample stays within the bound
		}
	}
	for i, p := range pts {
		if p.outcome != outcomeOK || keep[i] {
			s.points = append(s.points, p)
			if p.outcome == outcomeOK {
				s.okDrawn++
			}
		}
	}
	return s
}

// faultLanes are the faults that took effect, each with its lane's colour.
func faultLanes(r *result.Result) []lane {
	var out []lane
	for _, w := range faultWindows(r) {
		out = append(out, lane{window: w, colour: FaultColours[len(out)%len(FaultColours)]})
	}
	return out
}

type lane struct {
	window
	colour color.RGBA
}
