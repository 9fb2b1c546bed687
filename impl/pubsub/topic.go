package pubsub

import (
	"bytes"
	"fmt"
	"unicode"
)

// CheckTopic returns an error wrapping ErrBadTopic unless topic can be put
// on the wire: non-empty, no space (the separator), no control character,
// and not starting with '{' (which marks a message without topic).
func CheckTopic(topic string) error {
	if topic == "" {
		return fmt.Errorf("%w: empty", ErrBadTopic)
	}
	if topic[0] == '{' {
		return fmt.Errorf("%w: %q starts with '{'", ErrBadTopic, topic)
	}
	for i, r := range topic {
		if r == ' ' || unicode.IsControl(r) {
			return fmt.Errorf("%w: %q has a space or control character at byte %d", ErrBadTopic, topic, i)
		}
	}
	return nil
}

// splitFrame cuts a wire message into its topic and envelope JSON. A body
// starting with '{' has no topic (nil): its envelope's endpoint stands for it.
func splitFrame(body []byte) (topic, env []byte, err error) {
	if len(body) > 0 && body[0] == '{' {
		return nil, body, nil
	}
	i := bytes.IndexByte(body, ' ')
	if i <= 0 {
		return nil, nil, fmt.Errorf("%w: want \"topic {envelope}\" or \"{envelope}\"", ErrBadFrame)
	}
	return body[:i], body[i+1:], nil
}
