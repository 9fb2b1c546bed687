package worker_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/internal/testkit"
)

// Once registered, a worker answers the control plane's surveys at the
// address the registration reply names, with its status; another survey
// gets an error reply.
func TestAnswersSurveys(t *testing.T) {
	cp := newFakeCP(t)
	w := startWorker(t, cp.workerConfig("worker-1"), nil)
	testkit.Eventually(t, wait, func() bool { return w.Stats().Registered }, "never registered")
	testkit.Eventually(t, wait, func() bool { return cp.surveyor.Stats().Connections == 1 }, "the respondent never connected")
	for _, tc := range []struct {
		endpoint string
		wantErr  bool
	}{{api.SurveyStatus, false}, {"/survey/other", true}} {
		t.Run(tc.endpoint, func(t *testing.T) {
			res, err := cp.surveyor.Survey(context.Background(), tc.endpoint, json.RawMessage(`{"pad":"xx"}`))
			if err != nil || len(res.Replies) != 1 {
				t.Fatalf("survey: %v, %+v", err, res)
			}
			r := res.Replies[0]
			if tc.wantErr {
				if r.Envelope.Error == "" {
					t.Errorf("reply %s, want an error", r.Envelope.Data)
				}
				return
			}
			var a api.SurveyAnswer
			if err := json.Unmarshal(r.Envelope.Data, &a); err != nil || a.NodeID != "worker-1" || a.Status != api.StatusOnline || r.Latency <= 0 {
				t.Errorf("answer %+v (%v), latency %v", a, err, r.Latency)
			}
		})
	}
}
