package envelope_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
)

// FuzzDecode checks that decoding never panics, that whatever decodes
// re-encodes to valid JSON that decodes to the same envelope, and that a
// decoded payload is exactly what encoding/json calls valid.
func FuzzDecode(f *testing.F) {
	full, _ := envelope.Marshal(sample())
	for _, seed := range []string{
		string(full),
		`{"id":"msg_1","type":"request","endpoint":"/health","timestamp":"2026-03-19T10:30:00.000000000Z","sender":"cp","data":{}}`,
		`{"id":"msg_1","type":"event","seq":7,"data":[1,"two",{"3":null}]}`,
		`{"id":"msg_\u00e9","type":"response","request_id":"msg_0","error":"no such endpoint"}`,
		`{"id":"msg_1","type":"task","timestamp":"2026-03-19T12:30:00+02:00","data":"x"}`,
		`{"id":"m","type":"event","data":{"a":tru}}`,
		`{"id":"m"`, `garbage`, ``, `{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := envelope.Unmarshal(b)
		if err != nil {
			return
		}
		if e.Data != nil && !json.Valid(e.Data) {
			t.Fatalf("accepted invalid data %q", e.Data)
		}
		if !e.Timestamp.IsZero() && (e.Timestamp.Year() < 0 || e.Timestamp.Year() > 9999) {
			return // outside what RFC 3339 can carry back
		}
		out, err := envelope.Marshal(e)
		if err != nil {
			t.Fatalf("re-encode of %q: %v", b, err)
		}
		if !json.Valid(out) {
			t.Fatalf("re-encoded form is not JSON: %q", out)
		}
		back, err := envelope.Unmarshal(out)
		if err != nil {
			t.Fatalf("decode of re-encoded %q: %v", out, err)
		}
		if back.ID != e.ID || back.Type != e.Type || back.Endpoint != e.Endpoint || back.Sender != e.Sender ||
			back.Seq != e.Seq || back.RequestID != e.RequestID || back.Error != e.Error ||
			!back.Timestamp.Equal(e.Timestamp.Truncate(time.Nanosecond)) || string(back.Data) != string(e.Data) {
			t.Fatalf("round trip changed the envelope:\n%+v\n%+v", e, back)
		}
	})
}
