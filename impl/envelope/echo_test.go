package envelope_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nngbench/nngbench/impl/envelope"
)

// wireFields is the envelope as encoding/json reads it back.
type wireFields struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	RequestID string          `json:"request_id"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

// stdlib is what encoding/json makes of s on a round trip: every byte
// that is not valid UTF-8 becomes U+FFFD.
func stdlib(t testing.TB, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkEcho encodes the replies that echo req (success with data, and
// failure with an error naming the endpoint, as reqrep's server words it)
// and checks that each is valid JSON in valid UTF-8 that encoding/json
// decodes to what it would have made of the echoed fields itself.
func checkEcho(t testing.TB, endpoint, id, msg string, data []byte) {
	t.Helper()
	req := &envelope.Envelope{ID: id, Type: envelope.Request, Endpoint: endpoint}
	replies := []*envelope.Envelope{
		envelope.ReplyError(req, "worker-1", fmt.Errorf("no such endpoint %s: %s", endpoint, msg)),
		envelope.ReplyError(req, "worker-1", errors.New(msg)),
	}
	if json.Valid(data) {
		replies = append(replies, req.Reply("worker-1", data))
	}
	for _, r := range replies {
		b, err := envelope.Marshal(r)
		if err != nil {
			t.Fatalf("marshal %+v: %v", r, err)
		}
		if !utf8.Valid(b) || !json.Valid(b) {
			t.Fatalf("reply is not valid JSON in UTF-8: %q", b)
		}
		var got wireFields
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("encoding/json cannot read %q: %v", b, err)
		}
		if got.Endpoint != stdlib(t, endpoint) || got.RequestID != stdlib(t, id) || got.Error != stdlib(t, r.Error) {
			t.Fatalf("echoed fields changed: %+v from %q", got, b)
		}
		if r.Data != nil {
			var want, have any
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got.Data, &have); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(want) != fmt.Sprint(have) {
				t.Fatalf("data %q read back as %v, want %v", got.Data, have, want)
			}
		}
	}
}

// Replies echo what a peer sent; before the codec escaped them, a byte
// such as 0xff went out as it came, and the reply was not JSON (RFC 8259
// requires UTF-8; encoding/json's Valid does not check it, hence utf8.Valid).
func TestRepliesEscapeWhatTheyEcho(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		endpoint, id, msg, data string
	}{
		{"lone continuation byte", "/inst\x80ances", "msg_1", "bad", `{"a":"b"}`},
		{"0xff everywhere", "/\xff", "msg_\xff", "err \xff", `"\xff"`},
		{"truncated sequence", "/\xc3", "msg_\xe2\x82", "x\xf0\x9f", `["\xc3", "ok"]`},
		{"surrogate encoded in UTF-8", "/\xed\xa0\x80", "msg_2", "\xed\xbf\xbf", `{"\xed\xa0\x80":1}`},
		{"line separators", "/a\u2028b", "msg_\u2029", "\u2028", `"\u2028"`},
		{"valid non-ASCII kept", "/nœud-é", "msg_é", "ça va", `{"k":"日本"}`},
	} {
		t.Run(tc.name, func(t *testing.T) { checkEcho(t, tc.endpoint, tc.id, tc.msg, []byte(tc.data)) })
	}
}

// FuzzEcho: whatever a peer puts in the fields a reply echoes, the reply
// is valid JSON in valid UTF-8.
func FuzzEcho(f *testing.F) {
	f.Add("/health", "msg_1", "boom", []byte(`{"a":1}`))
	f.Add("/\xff", "msg_\xc3", "\xed\xa0\x80", []byte(`"\xff\xfe"`))
	f.Add(strings.Repeat("\x80", 9), "\u2028", "\x00\x1f\"\\", []byte(`[{"\xf0\x9f":"\xf4\x90\x80\x80"}]`))
	f.Fuzz(func(t *testing.T, endpoint, id, msg string, data []byte) {
		if id == "" {
			id = "msg_0"
		}
		checkEcho(t, endpoint, id, msg, data)
	})
}
