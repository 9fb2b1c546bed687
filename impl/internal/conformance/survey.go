package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/survey"
)

// surveyDeadline is long enough for a loopback reply under the race
// detector, short enough to keep the test quick.
const surveyDeadline = 300 * time.Millisecond

// surveyMargin is how late after its deadline a survey may end: a timer and
// a goroutine wake-up, with room for a loaded CI machine.
const surveyMargin = 500 * time.Millisecond

// surveyFast names the respondents that answer at once, sorted.
func surveyFast() []string { return []string{"fast-1", "fast-2", "fast-3"} }

// VerifySurvey binds a surveyor, dials four respondents to it (one slower
// than the deadline) and checks that surveys, alone and five at once, gather
// exactly the three fast replies within the deadline.
func VerifySurvey(t *testing.T, tr testkit.Transport) {
	sv := surveySetup(t, tr)
	t.Run("deadline", func(t *testing.T) {
		data := json.RawMessage(`{"q":"ping"}`)
		start := time.Now()
		res, err := sv.Survey(context.Background(), "/ping", data)
		if err != nil {
			t.Fatalf("Survey: %v", err)
		}
		surveyCheck(t, res, data)
		if wall := time.Since(start); wall < surveyDeadline {
			t.Errorf("Survey returned after %v, before its deadline %v", wall, surveyDeadline)
		}
	})
	t.Run("parallel", func(t *testing.T) {
		const n = 5
		results := make([]*survey.Result, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := time.Now()
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = sv.Survey(context.Background(), "/ping", json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)))
			})
		}
		wg.Wait()
		// Run one after another they would take n deadlines.
		if wall := time.Since(start); wall > 2*surveyDeadline+surveyMargin {
			t.Errorf("%d surveys took %v: not run concurrently", n, wall)
		}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("survey %d: %v", i, errs[i])
			}
			surveyCheck(t, results[i], json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)))
		}
	})
	if d := sv.Stats().Dropped; d != 0 {
		t.Errorf("surveyor dropped %d replies: a late reply reached a later survey", d)
	}
}

// surveyCheck checks that res holds exactly one reply from each fast
// respondent, answering res.Request with data, within the deadline.
func surveyCheck(t *testing.T, res *survey.Result, data json.RawMessage) {
	t.Helper()
	var senders []string
	for _, r := range res.Replies {
		e := r.Envelope
		senders = append(senders, e.Sender)
		if e.RequestID != res.Request.ID {
			t.Errorf("reply from %s answers %q, want %q", e.Sender, e.RequestID, res.Request.ID)
		}
		if e.Error != "" || string(e.Data) != string(data) {
			t.Errorf("reply from %s: error %q, data %s; want data %s", e.Sender, e.Error, e.Data, data)
		}
		if r.Latency <= 0 || r.Latency >= surveyDeadline {
			t.Errorf("reply from %s: latency %v, want in (0, %v)", e.Sender, r.Latency, surveyDeadline)
		}
	}
	slices.Sort(senders)
	if want := surveyFast(); !slices.Equal(senders, want) {
		t.Errorf("replies from %v, want %v", senders, want)
	}
	if res.Elapsed < surveyDeadline || res.Elapsed >= surveyDeadline+surveyMargin {
		t.Errorf("Elapsed = %v, want in [%v, %v)", res.Elapsed, surveyDeadline, surveyDeadline+surveyMargin)
	}
}

// surveySetup returns a listening surveyor with three fast respondents and
// one that answers only after twice the deadline, all connected.
func surveySetup(t *testing.T, tr testkit.Transport) *survey.Surveyor {
	t.Helper()
	listen, dial := tr.Options(t)
	sv, err := survey.NewSurveyor(survey.SurveyorConfig{Name: "surveyor", Transport: listen, Deadline: surveyDeadline})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sv.Close() })
	addr, err := sv.Listen(tr.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	var rs []*survey.Respondent
	for _, name := range append(surveyFast(), "slow") {
		h := surveyEcho
		if name == "slow" {
			h = surveySlow
		}
		r, err := survey.NewRespondent(survey.RespondentConfig{Name: name, Transport: dial}, h)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		if err := r.Dial(addr); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		if sv.Stats().Connections != int64(len(rs)) {
			return false
		}
		for _, r := range rs {
			if r.Stats().Connections != 1 {
				return false
			}
		}
		return true
	}, "surveyor and respondents not all connected")
	return sv
}

func surveyEcho(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	return req.Data, nil
}

// surveySlow answers after twice the deadline, so its reply reaches a
// surveyor that has moved on.
func surveySlow(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	select {
	case <-time.After(2 * surveyDeadline):
		return req.Data, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
