package survey_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/survey"
	"github.com/nngbench/nngbench/impl/transport"
)

func TestSurveyorConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  survey.SurveyorConfig
		want []string // fields the error must name; none: valid
	}{
		{"defaults", survey.SurveyorConfig{Name: "s"}, nil},
		{"no name", survey.SurveyorConfig{}, []string{"name"}},
		{"negative deadline", survey.SurveyorConfig{Name: "s", Deadline: -time.Second}, []string{"deadline"}},
		{"bad transport", survey.SurveyorConfig{Name: "s", Transport: transport.Options{MaxMessageSize: -1}}, []string{"transport", "max_message_size"}},
		{"all at once", survey.SurveyorConfig{Deadline: -1}, []string{"name", "deadline"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkConfigErr(t, tc.cfg.WithDefaults().Validate(), tc.want)
		})
	}
	if got := (survey.SurveyorConfig{}).WithDefaults().Deadline; got != time.Second {
		t.Errorf("default Deadline = %v, want 1s", got)
	}
}

func TestRespondentConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  survey.RespondentConfig
		want []string
	}{
		{"defaults", survey.RespondentConfig{Name: "r"}, nil},
		{"no name", survey.RespondentConfig{}, []string{"name"}},
		{"negative concurrency", survey.RespondentConfig{Name: "r", Concurrency: -1}, []string{"concurrency"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkConfigErr(t, tc.cfg.WithDefaults().Validate(), tc.want)
		})
	}
	if got := (survey.RespondentConfig{}).WithDefaults().Concurrency; got != 8 {
		t.Errorf("default Concurrency = %d, want 8", got)
	}
	if _, err := survey.NewRespondent(survey.RespondentConfig{Name: "r"}, nil); !errors.Is(err, survey.ErrInvalidConfig) || !strings.Contains(err.Error(), "handler") {
		t.Errorf("NewRespondent(nil handler) = %v, want ErrInvalidConfig naming handler", err)
	}
}

func checkConfigErr(t *testing.T, err error, fields []string) {
	t.Helper()
	if len(fields) == 0 {
		if err != nil {
			t.Fatalf("Validate() = %v, want nil", err)
		}
		return
	}
	if !errors.Is(err, survey.ErrInvalidConfig) {
		t.Fatalf("Validate() = %v, want ErrInvalidConfig", err)
	}
	for _, f := range fields {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("Validate() = %v, want it to name %q", err, f)
		}
	}
}
