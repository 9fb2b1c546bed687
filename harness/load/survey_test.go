package load_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
	"github.com/nngbench/nngbench/harness/load"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Four respondents that all answer: every survey is answered by all four, in time, and every
// reply has its latencies.
func TestSurveyAllAnswer(t *testing.T) {
	t.Parallel()
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Rate: 50, Duration: time.Second, Size: scenario.SizeRange{Min: 64, Max: 64}}, Peers: 4})
	send, recv := snapshots(o)
	sv := o.Survey
	if sv.Surveys == 0 || sv.Surveys != send.Sent {
		t.Fatalf("survey count %+v, sent %d", sv, send.Sent)
	}
	if sv.Share != 1.0 || sv.Replies != 4*sv.Surveys || sv.Expected != 4*sv.Surveys {
		t.Errorf("survey count %+v, want share 1 and %d replies", sv, 4*sv.Surveys)
	}
	if o.Loss.Lost != 0 || o.Loss.Duplicated != 0 || recv.Errors != 0 {
		t.Errorf("loss %+v, errors %d, want none", o.Loss, recv.Errors)
	}
	if recv.Received != sv.Replies || o.Recv.Uncorrected().TotalCount() != sv.Replies {
		t.Errorf("%d replies recorded (%d uncorrected), want %d", recv.Received, o.Recv.Uncorrected().TotalCount(), sv.Replies)
	}
	if last := o.Last.Snapshot(o.End); last.Received != sv.Surveys {
		t.Errorf("time-to-last for %d surveys, want %d", last.Received, sv.Surveys)
	}
}

// A respondent that never answers: a quarter of the answers owed are missing, all of them its
// own, and each of its surveys is lost for it alone.
func TestSurveySilentRespondent(t *testing.T) {
	t.Parallel()
	const silent = 2
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Rate: 50, Duration: time.Second, Size: scenario.SizeRange{Min: 64, Max: 64}, Timeout: 200 * time.Millisecond}, Peers: 4, Silent: []int{silent}})
	sv := o.Survey
	if sv.Surveys == 0 || sv.Share != 0.75 || sv.Replies != 3*sv.Surveys {
		t.Fatalf("survey count %+v, want share 0.75", sv)
	}
	for _, p := range o.Peers {
		want := int64(0)
		if p.Peer == silent {
			want = sv.Surveys
		}
		if p.Lost != want {
			t.Errorf("respondent %d lost %d, want %d", p.Peer, p.Lost, want)
		}
	}
	if o.Loss.Lost != sv.Surveys {
		t.Errorf("lost %d in all, want %d", o.Loss.Lost, sv.Surveys)
	}
	if _, recv := snapshots(o); recv.Lost != sv.Surveys {
		t.Errorf("recorder lost %d, want %d", recv.Lost, sv.Surveys)
	}
}

// Closed loop: each sender has one survey at a time, and with everyone answering it moves on
// as soon as the last answer is in.
func TestSurveyClosedLoop(t *testing.T) {
	t.Parallel()
	o := run(t, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Concurrency: 2, Duration: 300 * time.Millisecond, Size: scenario.SizeRange{Min: 64, Max: 64}}, Peers: 3})
	if sv := o.Survey; sv.Surveys < 10 || sv.Share != 1.0 {
		t.Fatalf("survey count %+v, want share 1 over more than 10 surveys", sv)
	}
	if o.Loss.Lost != 0 {
		t.Errorf("loss %+v, want none", o.Loss)
	}
}

func TestSpecValidateSurvey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		spec load.Spec
		ok   bool
	}{
		{"survey has a raw driver", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Duration: time.Second}, Peers: 2}, true},
		{"silent respondent", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Duration: time.Second}, Peers: 2, Silent: []int{1}}, true},
		{"silent peer that is not there", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Duration: time.Second}, Peers: 2, Silent: []int{2}}, false},
		{"silent replier", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternReqRep, Duration: time.Second}, Peers: 2, Silent: []int{1}}, true},
		{"silent outside survey", load.Spec{Spec: engine.Spec{Pattern: scenario.PatternBus, Duration: time.Second}, Silent: []int{0}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.spec.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate: %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// Cancelling the run ends the surveys in flight at once, not at their deadline.
func TestSurveyCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := load.Run(ctx, load.Spec{Spec: engine.Spec{Pattern: scenario.PatternSurvey, Rate: 100, Duration: 10 * time.Second, Timeout: 10 * time.Second}, Peers: 2, Silent: []int{1}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run: %v, want the context's error", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("Run took %v after a cancel at 300ms", d)
	}
}
