package survey_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/surveyor"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/survey"
)

func TestRespondentHandlerFailures(t *testing.T) {
	sv, addr := newSurveyor(t, survey.SurveyorConfig{Deadline: 200 * time.Millisecond})
	r := newRespondent(t, survey.RespondentConfig{}, addr, handler)
	testkit.Eventually(t, connectTimeout, func() bool { return sv.Stats().Connections == 1 }, "surveyor not connected")
	for _, tc := range []struct {
		endpoint, wantErr string // wantErr "": a normal reply echoing the data
	}{
		{"/fail", "boom"},
		{"/panic", "survey: handler panicked: kaboom"},
		{"/ok", ""}, // still serving after the panic
		{"/fail", "boom"},
		{"/ok", ""},
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			data := []byte(`{"x":1}`)
			res, err := sv.Survey(t.Context(), tc.endpoint, data)
			if err != nil {
				t.Fatalf("Survey: %v", err)
			}
			if len(res.Replies) != 1 {
				t.Fatalf("got %d replies, want 1", len(res.Replies))
			}
			e := res.Replies[0].Envelope
			if e.RequestID != res.Request.ID || e.Type != envelope.Response {
				t.Errorf("reply %+v does not answer %s", e, res.Request.ID)
			}
			if tc.wantErr == "" && (e.Error != "" || !bytes.Equal(e.Data, data)) {
				t.Errorf("reply error %q, data %s; want no error, data %s", e.Error, e.Data, data)
			}
			if tc.wantErr != "" && !strings.Contains(e.Error, tc.wantErr) {
				t.Errorf("reply error %q, want it to contain %q", e.Error, tc.wantErr)
			}
		})
	}
	if got := r.Stats().Errors["handler"]; got != 3 {
		t.Errorf("respondent counted %d handler errors, want 3", got)
	}
	if got := sv.Stats().Errors["remote"]; got != 3 {
		t.Errorf("surveyor counted %d error replies, want 3", got)
	}
}

// TestRespondentBadMessages sends what no Surveyor would, from a bare mangos
// surveyor, and checks that each gets an error reply and that a good request
// still gets a normal one afterwards.
func TestRespondentBadMessages(t *testing.T) {
	raw := bareSurveyor(t)
	addr, err := listenRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	newRespondent(t, survey.RespondentConfig{Transport: smallMessages()}, addr, handler)
	event := mustMarshal(t, envelope.New(envelope.Event, "x", "/ok", nil))
	req := envelope.New(envelope.Request, "x", "/ok", []byte(`"hi"`))
	for _, tc := range []struct {
		name    string
		body    []byte
		wantErr string // "": a normal reply
	}{
		{"garbage", []byte("not an envelope"), "malformed"},
		{"oversize", bytes.Repeat([]byte("x"), 6<<10), "too large"},
		{"event", event, "not a request"},
		{"request", mustMarshal(t, req), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := raw.Send(tc.body); err != nil {
				t.Fatal(err)
			}
			b, err := raw.Recv()
			if err != nil {
				t.Fatalf("no reply: %v", err)
			}
			e, err := envelope.Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(e.Error, tc.wantErr) || (tc.wantErr == "") != (e.Error == "") {
				t.Errorf("reply error %q, want %q", e.Error, tc.wantErr)
			}
			if tc.wantErr == "" && (e.RequestID != req.ID || string(e.Data) != `"hi"`) {
				t.Errorf("reply %+v does not answer %s", e, req.ID)
			}
		})
	}
}

func bareSurveyor(t *testing.T) mangos.Socket {
	t.Helper()
	raw, err := surveyor.NewSocket()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	// Long enough that a missing reply fails the test rather than racing it.
	if err := raw.SetOption(mangos.OptionSurveyTime, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	return raw
}

func listenRaw(raw mangos.Socket) (string, error) {
	l, err := raw.NewListener("inproc://survey-bare-"+envelope.NewID(), nil)
	if err != nil {
		return "", err
	}
	return l.Address(), l.Listen()
}

func mustMarshal(t *testing.T, e *envelope.Envelope) []byte {
	t.Helper()
	b, err := envelope.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
