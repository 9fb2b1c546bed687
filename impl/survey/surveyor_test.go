package survey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3/protocol/respondent"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/survey"
	"github.com/nngbench/nngbench/impl/transport"
)

func TestSurveyOversize(t *testing.T) {
	sv, addr := newSurveyor(t, survey.SurveyorConfig{Transport: smallMessages(), Deadline: 200 * time.Millisecond})
	newRespondent(t, survey.RespondentConfig{}, addr, handler)
	big, err := envelope.DataOf(string(bytes.Repeat([]byte("x"), 5<<10)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		data    json.RawMessage
		wantErr error
		replies int
	}{
		{"too large", big, transport.ErrTooLarge, 0},
		{"then a normal survey", json.RawMessage(`1`), nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := sv.Survey(t.Context(), "/ok", tc.data)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Survey() error = %v, want %v", err, tc.wantErr)
			}
			if got := len(replies(res)); got != tc.replies {
				t.Fatalf("got %d replies, want %d", got, tc.replies)
			}
		})
	}
	if got := sv.Stats().Errors["oversize"]; got != 1 {
		t.Errorf("counted %d oversize errors, want 1", got)
	}
}

// TestSurveyDropsStrayReplies has a bare respondent answer with the wrong
// RequestID, beside a real respondent.
func TestSurveyDropsStrayReplies(t *testing.T) {
	sv, addr := newSurveyor(t, survey.SurveyorConfig{Deadline: 300 * time.Millisecond})
	newRespondent(t, survey.RespondentConfig{}, addr, handler)
	raw, err := respondent.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Dial(addr); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		if _, err := raw.Recv(); err != nil {
			done <- err
			return
		}
		stray := envelope.New(envelope.Response, "stray", "/ok", nil)
		stray.RequestID = envelope.NewID()
		b, err := envelope.Marshal(stray)
		if err == nil {
			err = raw.Send(b)
		}
		done <- err
	}()
	t.Cleanup(func() { raw.Close() })
	testkit.Eventually(t, connectTimeout, func() bool { return sv.Stats().Connections == 2 }, "surveyor not connected to both")

	res, err := sv.Survey(t.Context(), "/ok", json.RawMessage(`1`))
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("bare respondent: %v", err)
	}
	if len(res.Replies) != 1 || res.Replies[0].Envelope.Sender != "respondent" {
		t.Errorf("replies %+v, want only the real respondent's", res.Replies)
	}
	if got := sv.Stats().Dropped; got != 1 {
		t.Errorf("counted %d dropped replies, want 1", got)
	}
}

func TestSurveyContext(t *testing.T) {
	sv, addr := newSurveyor(t, survey.SurveyorConfig{Deadline: time.Minute})
	newRespondent(t, survey.RespondentConfig{}, addr, handler)
	testkit.Eventually(t, connectTimeout, func() bool { return sv.Stats().Connections == 1 }, "surveyor not connected")

	t.Run("cancelled mid-survey returns what it has", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		type outcome struct {
			res *survey.Result
			err error
		}
		out := make(chan outcome, 1)
		before := sv.Stats().Latency.Count
		go func() {
			res, err := sv.Survey(ctx, "/ok", json.RawMessage(`1`))
			out <- outcome{res, err}
		}()
		testkit.Eventually(t, connectTimeout, func() bool { return sv.Stats().Latency.Count > before }, "no reply arrived")
		cancel()
		select {
		case o := <-out:
			if !errors.Is(o.err, context.Canceled) {
				t.Errorf("error = %v, want context.Canceled", o.err)
			}
			if got := len(replies(o.res)); got != 1 {
				t.Errorf("got %d replies, want the 1 that arrived", got)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Survey did not return after cancel")
		}
	})
	t.Run("ctx deadline ends the survey normally", func(t *testing.T) {
		const d = 200 * time.Millisecond
		ctx, cancel := context.WithTimeout(t.Context(), d)
		defer cancel()
		res, err := sv.Survey(ctx, "/ok", json.RawMessage(`1`))
		if err != nil {
			t.Fatalf("error = %v, want nil", err)
		}
		if len(res.Replies) != 1 || res.Elapsed >= d+time.Second {
			t.Errorf("%d replies after %v, want 1 after about %v", len(res.Replies), res.Elapsed, d)
		}
	})
	t.Run("ctx already done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if res, err := sv.Survey(ctx, "/ok", nil); res != nil || !errors.Is(err, context.Canceled) {
			t.Errorf("Survey() = %v, %v; want nil, context.Canceled", res, err)
		}
	})
}

func TestSurveyAfterClose(t *testing.T) {
	sv, _ := newSurveyor(t, survey.SurveyorConfig{})
	if err := sv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Survey(t.Context(), "/ok", nil); !errors.Is(err, survey.ErrClosed) {
		t.Errorf("Survey after Close = %v, want ErrClosed", err)
	}
}

func replies(res *survey.Result) []survey.Reply {
	if res == nil {
		return nil
	}
	return res.Replies
}
