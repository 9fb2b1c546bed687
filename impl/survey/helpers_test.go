package survey_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/survey"
	"github.com/nngbench/nngbench/impl/transport"
)

// connectTimeout bounds every wait for a connection.
const connectTimeout = 10 * time.Second

// newSurveyor returns a surveyor listening on a fresh inproc address.
func newSurveyor(t *testing.T, cfg survey.SurveyorConfig) (*survey.Surveyor, string) {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "surveyor"
	}
	sv, err := survey.NewSurveyor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sv.Close() })
	addr, err := sv.Listen(testkit.Inproc.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	return sv, addr
}

// newRespondent returns a respondent dialled to addr, once connected.
func newRespondent(t *testing.T, cfg survey.RespondentConfig, addr string, h survey.Handler) *survey.Respondent {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "respondent"
	}
	r, err := survey.NewRespondent(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if err := r.Dial(addr); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, connectTimeout, func() bool { return r.Stats().Connections == 1 }, "respondent not connected")
	return r
}

// handler echoes the request's data, except on /fail (an error) and
// /panic (a panic).
func handler(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	switch req.Endpoint {
	case "/fail":
		return nil, errors.New("boom")
	case "/panic":
		panic("kaboom")
	}
	return req.Data, nil
}

// smallMessages limits messages to 4 KiB, so oversize is cheap to make.
func smallMessages() transport.Options { return transport.Options{MaxMessageSize: 4 << 10} }
