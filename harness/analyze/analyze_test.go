package analyze_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/analyze"
	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/result"
)

// Known-answer test (d) of the measurement issue: the committed fault
// scenario's history (reports/latest/faults-combined, from the last
// `make bench`), analyzed again, gives its result.json byte for byte. A
// change to how a figure is derived fails it until `make bench` (or
// `nngbench analyze` on that folder) writes the result again. A result
// written before schema v2 is compared as Read upgrades it and Write
// would write it.
func TestCommittedHistory(t *testing.T) {
	dir := filepath.Join("..", "..", "reports", "latest", "faults-combined")
	h, err := history.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Meta.Result.Faults) == 0 || len(h.Meta.Events) == 0 {
		t.Fatalf("%s: %d faults, %d events: not a fault scenario's history", dir, len(h.Meta.Result.Faults), len(h.Meta.Events))
	}
	res, _ := analyze.Result(h)
	got, err := result.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(want, []byte(`"schema": "`+result.SchemaV1+`"`)) {
		old, err := result.Decode(dir, want)
		if err != nil {
			t.Fatal(err)
		}
		if want, err = result.Encode(old); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: analyzed again, result.json differs:\n%s", dir, firstDiff(got, want))
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b []byte) string {
	al, bl := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(al), len(bl)) {
		if !bytes.Equal(al[i], bl[i]) {
			return "line " + strconv.Itoa(i+1) + ":\n  analyzed: " + string(al[i]) + "\n  file:     " + string(bl[i])
		}
	}
	return "lengths differ"
}

// What the run observed (its own reasons, the cluster's checks) and what
// is derived (each workload's figures and verdict, the delivery checks,
// the gates) come together in the order the run wrote them: an interrupted
// run and a workload never measured are invalid, saying why.
func TestResultFromHistory(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) int64 { return t0.Add(time.Duration(ms) * time.Millisecond).UnixNano() }
	w := history.Workload{Name: "a", Pattern: "pushpull", Mode: "raw", Model: result.ModelOpen, PlannedRate: 10, Rate: 10,
		Concurrency: 1, Peers: []string{"peer-0"}, Owed: history.OwedAny, Start: t0, Window: t0.Add(time.Second),
		End: t0.Add(3 * time.Second), Measured: true}
	var tape []history.Op
	for i := range 20 { // 10/s from 1 s to 3 s, the last 5 never received
		due := at(1000 + 100*i)
		tape = append(tape, history.SendOp(0, uint64(i), history.NoPeer, due, due, 64))
		if i < 15 {
			tape = append(tape, history.ReceiptOp(0, uint64(i), 0, due+int64(time.Millisecond), 64))
		}
	}
	cluster := result.Check{Name: "instances", OK: true, Counts: map[string]int64{}}
	h := &history.History{
		Meta: history.Meta{Schema: history.Schema, Interval: time.Second, Interrupted: t0.Add(2500 * time.Millisecond),
			Gates: []string{"a.lost == 0"},
			Result: result.Result{Schema: result.Schema, Scenario: "s", StartedAt: t0.Add(time.Second),
				Checks: []result.Check{cluster}, Invalid: []string{"interrupted (ctrl-c)"}},
			Workloads: []history.Workload{w, {Name: "b", Pattern: "reqrep", Mode: "impl", Model: result.ModelOpen,
				Failed: "boom"}}},
		Tapes: [][][]history.Op{{tape}, nil},
	}
	res, hists := analyze.Result(h)
	wantWhy := []string{"interrupted (ctrl-c)", "workload a: interrupted after 1.5s of the 2.0s window",
		"workload b: not measured: boom"}
	if res.Valid || !slices.Equal(res.Invalid, wantWhy) {
		t.Errorf("valid %v, invalid %q; want %q", res.Valid, res.Invalid, wantWhy)
	}
	a := res.Workloads[0]
	if a.Sent != 20 || a.Received != 15 || a.Lost != 5 {
		t.Errorf("a: sent %d, received %d, lost %d; want 20, 15, 5", a.Sent, a.Received, a.Lost)
	}
	if len(res.Checks) != 2 || res.Checks[0].Name != "messages/a" || res.Checks[0].OK || res.Checks[1].Name != "instances" {
		t.Errorf("checks %+v: want messages/a (failed), then the cluster's", res.Checks)
	}
	if len(res.Gates) != 1 || res.Gates[0].OK {
		t.Errorf("gates %+v: want a.lost == 0 evaluated and failed", res.Gates)
	}
	if _, ok := hists["a"]; !ok || len(hists) != 1 {
		t.Errorf("histograms for %d workloads, want a's only", len(hists))
	}
}
