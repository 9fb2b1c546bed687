package controlplane

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nngbench/nngbench/impl/survey"
)

// Survey asks every worker connected to the survey socket the same
// question (endpoint and data; workers answer api.SurveyStatus) and
// gathers the answers that arrive before the deadline:
// messaging.request_timeout_seconds, or ctx's deadline when sooner. It
// returns at the deadline, however many answered; each reply carries its
// latency from the send, and a worker that did not answer in time is
// absent. Workers dial the survey socket once registered, so one that has
// just registered may miss a survey.
func (cp *ControlPlane) Survey(ctx context.Context, endpoint string, data json.RawMessage) (*survey.Result, error) {
	if err := cp.running(); err != nil {
		return nil, err
	}
	ctx, cancel := cp.bound(ctx)
	defer cancel()
	res, err := cp.surveyor.Survey(ctx, endpoint, data)
	if err != nil {
		return res, fmt.Errorf("controlplane: survey %s: %w", endpoint, err)
	}
	return res, nil
}
