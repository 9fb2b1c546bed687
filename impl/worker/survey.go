package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"

	"github.com/nngbench/nngbench/impl/api"
	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/survey"
)

// surveysSuffix names the respondent socket in metrics; its replies are
// sent under that name, and name the node in their data.
const surveysSuffix = "/surveys"

// answerSurveys makes the respondent dial addr: the configured
// survey_address, or else the one the control plane gave on registration.
// A new address (the control plane restarted on another port) replaces
// the respondent; the same one keeps it.
func (w *Worker) answerSurveys(advertised string) {
	addr := w.cfg.Messaging.SurveyAddress
	if addr == "" {
		addr = surveyAddress(advertised, w.cfg.Messaging.ControlPlaneAddress)
	}
	w.surveyMu.Lock()
	defer w.surveyMu.Unlock()
	if addr == "" || addr == w.surveyAddr || w.surveyClosed {
		return
	}
	if w.respondent != nil {
		if err := w.respondent.Close(); err != nil {
			w.log.Warn("could not close the survey respondent", "error", err)
		}
		w.respondent, w.surveyAddr = nil, ""
	}
	r, err := survey.NewRespondent(survey.RespondentConfig{
		Name: w.cfg.NodeID + surveysSuffix, Transport: w.topts, Metrics: w.reg, Logger: w.logger,
	}, w.handleSurvey)
	if err == nil {
		if err = r.Dial(addr); err != nil {
			_ = r.Close()
		}
	}
	if err != nil {
		w.log.Warn(fmt.Sprintf("Could not answer surveys at %s", addr), "error", err)
		return
	}
	w.respondent, w.surveyAddr = r, addr
	w.log.Info(fmt.Sprintf("Answering surveys from %s", addr))
}

// closeSurveys closes the respondent for good.
func (w *Worker) closeSurveys() error {
	w.surveyMu.Lock()
	defer w.surveyMu.Unlock()
	w.surveyClosed = true
	if w.respondent == nil {
		return nil
	}
	err := w.respondent.Close()
	w.respondent = nil
	return err
}

// surveyAddress is advertised with a wildcard host (a control plane bound
// to every interface) replaced by the host the worker reaches the control
// plane at.
func surveyAddress(advertised, controlPlane string) string {
	scheme, rest, ok := strings.Cut(advertised, "://")
	if !ok {
		return advertised
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil || (host != "" && !net.ParseIP(host).IsUnspecified()) {
		return advertised
	}
	_, cpRest, _ := strings.Cut(controlPlane, "://")
	cpHost, _, err := net.SplitHostPort(cpRest)
	if err != nil {
		return advertised
	}
	return scheme + "://" + net.JoinHostPort(cpHost, port)
}

// handleSurvey answers api.SurveyStatus.
func (w *Worker) handleSurvey(_ context.Context, req *envelope.Envelope) (json.RawMessage, error) {
	if req.Endpoint != api.SurveyStatus {
		return nil, fmt.Errorf("%w: no survey %q", ErrBadRequest, req.Endpoint)
	}
	return envelope.DataOf(api.SurveyAnswer{
		NodeID: w.cfg.NodeID, Status: api.StatusOnline,
		Instances: w.instances.len(), ConfigVersion: w.conf.version(),
	})
}
