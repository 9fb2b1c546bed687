package pubsub_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/impl/pubsub"
	"github.com/nngbench/nngbench/impl/transport"
)

func TestConfigValidate(t *testing.T) {
	bad := transport.Options{MaxMessageSize: -1}
	cases := []struct {
		name  string
		err   error
		field string // "" = valid
	}{
		{"publisher valid", pubsub.PublisherConfig{Name: "p"}.WithDefaults().Validate(), ""},
		{"publisher no name", pubsub.PublisherConfig{}.WithDefaults().Validate(), "name"},
		{"publisher bad transport", pubsub.PublisherConfig{Name: "p", Transport: bad}.WithDefaults().Validate(), "max_message_size"},
		{"subscriber valid", pubsub.SubscriberConfig{Name: "s"}.WithDefaults().Validate(), ""},
		{"subscriber no name", pubsub.SubscriberConfig{}.WithDefaults().Validate(), "name"},
		{"subscriber bad transport", pubsub.SubscriberConfig{Name: "s", Transport: bad}.WithDefaults().Validate(), "max_message_size"},
		{"subscriber negative buffer", pubsub.SubscriberConfig{Name: "s", Buffer: -1}.WithDefaults().Validate(), "buffer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			switch {
			case tc.field == "" && tc.err != nil:
				t.Errorf("got %v, want no error", tc.err)
			case tc.field == "":
			case tc.err == nil || !strings.Contains(tc.err.Error(), tc.field):
				t.Errorf("got %v, want an error naming %s", tc.err, tc.field)
			case !errors.Is(tc.err, pubsub.ErrConfig):
				t.Errorf("%v does not wrap ErrConfig", tc.err)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	if _, err := pubsub.NewPublisher(pubsub.PublisherConfig{}); !errors.Is(err, pubsub.ErrConfig) {
		t.Errorf("NewPublisher: got %v, want ErrConfig", err)
	}
	if _, err := pubsub.NewSubscriber(pubsub.SubscriberConfig{}); !errors.Is(err, pubsub.ErrConfig) {
		t.Errorf("NewSubscriber: got %v, want ErrConfig", err)
	}
}
