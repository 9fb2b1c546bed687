package pipeline_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/impl/pipeline"
	"github.com/nngbench/nngbench/impl/transport"
)

func TestConfigValidate(t *testing.T) {
	bad := transport.Options{ReconnectTime: -1}
	cases := []struct {
		name  string
		err   error
		field string // "" = valid
	}{
		{"pusher valid", pipeline.PusherConfig{Name: "p"}.WithDefaults().Validate(), ""},
		{"pusher no name", pipeline.PusherConfig{}.WithDefaults().Validate(), "name"},
		{"pusher bad transport", pipeline.PusherConfig{Name: "p", Transport: bad}.WithDefaults().Validate(), "reconnect_time"},
		{"puller valid", pipeline.PullerConfig{Name: "q"}.WithDefaults().Validate(), ""},
		{"puller no name", pipeline.PullerConfig{}.WithDefaults().Validate(), "name"},
		{"puller bad transport", pipeline.PullerConfig{Name: "q", Transport: bad}.WithDefaults().Validate(), "reconnect_time"},
		{"puller negative buffer", pipeline.PullerConfig{Name: "q", Buffer: -1}.WithDefaults().Validate(), "buffer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			switch {
			case tc.field == "" && tc.err != nil:
				t.Errorf("got %v, want no error", tc.err)
			case tc.field == "":
			case tc.err == nil || !strings.Contains(tc.err.Error(), tc.field):
				t.Errorf("got %v, want an error naming %s", tc.err, tc.field)
			case !errors.Is(tc.err, pipeline.ErrConfig):
				t.Errorf("%v does not wrap ErrConfig", tc.err)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	if _, err := pipeline.NewPusher(pipeline.PusherConfig{}); !errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("NewPusher: got %v, want ErrConfig", err)
	}
	if _, err := pipeline.NewPuller(pipeline.PullerConfig{}); !errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("NewPuller: got %v, want ErrConfig", err)
	}
}
