package controlplane_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/controlplane"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/survey"
)

// A survey reaches every respondent connected to the survey socket, whose
// address registrations carry, and returns at its deadline with their
// answers; a respondent too slow for the deadline is absent.
func TestSurvey(t *testing.T) {
	cp, _ := start(t, testConfig(time.Second, 10*time.Second), controlplane.Options{})
	var reply api.RegisterReply
	if err := ask(t, client(t, cp.Addresses()["bind"]), api.NodesRegister,
		api.Register{NodeID: "w1", Address: "tcp://127.0.0.1:1"}, &reply); err != nil {
		t.Fatal(err)
	}
	addr := cp.Addresses()["survey"]
	if reply.SurveyAddress != addr || addr == "" {
		t.Fatalf("register reply names survey address %q, bound %q", reply.SurveyAddress, addr)
	}
	slow := make(chan struct{})
	t.Cleanup(func() { close(slow) })
	for i, delay := range []bool{false, false, true} {
		r, err := survey.NewRespondent(survey.RespondentConfig{Name: fmt.Sprint("r", i)},
			func(ctx context.Context, req *envelope.Envelope) (json.RawMessage, error) {
				if delay {
					select { // past any deadline of this test
					case <-slow:
					case <-ctx.Done():
					}
				}
				return envelope.DataOf(api.SurveyAnswer{NodeID: fmt.Sprint("r", i)})
			})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		if err := r.Dial(addr); err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, wait, func() bool { return r.Stats().Connections == 1 }, "respondent %d not connected", i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	begin := time.Now()
	res, err := cp.Survey(ctx, api.SurveyStatus, nil)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < 250*time.Millisecond {
		t.Errorf("survey returned after %v, before its deadline", took)
	}
	got := map[string]bool{}
	for _, r := range res.Replies {
		var a api.SurveyAnswer
		if err := json.Unmarshal(r.Envelope.Data, &a); err != nil || r.Latency <= 0 {
			t.Errorf("reply %s (%v), latency %v", r.Envelope.Data, err, r.Latency)
		}
		got[a.NodeID] = true
	}
	if len(got) != 2 || !got["r0"] || !got["r1"] {
		t.Errorf("answers from %v, want r0 and r1", got)
	}
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cp.Survey(context.Background(), api.SurveyStatus, nil); !errors.Is(err, controlplane.ErrClosed) {
		t.Errorf("survey after Close: %v, want ErrClosed", err)
	}
}
