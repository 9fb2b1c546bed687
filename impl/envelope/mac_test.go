package envelope_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
)

func key(t testing.TB, secret string) *envelope.Key {
	t.Helper()
	k, err := envelope.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A signed envelope verifies after the wire, under the same secret only,
// and any change to any field makes it fail.
func TestMACSignVerify(t *testing.T) {
	k := key(t, "0123456789abcdef-secret")
	signed := func() *envelope.Envelope {
		e := sample()
		k.Sign(e)
		b, err := envelope.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		out, err := envelope.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := k.Verify(signed()); err != nil {
		t.Fatalf("signed envelope after the wire: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*envelope.Envelope)
	}{
		{"id", func(e *envelope.Envelope) { e.ID += "0" }},
		{"type", func(e *envelope.Envelope) { e.Type = envelope.Event }},
		{"endpoint", func(e *envelope.Envelope) { e.Endpoint = "config.update" }},
		{"timestamp", func(e *envelope.Envelope) { e.Timestamp = e.Timestamp.Add(time.Nanosecond) }},
		{"sender", func(e *envelope.Envelope) { e.Sender = "controlplane" }},
		{"seq", func(e *envelope.Envelope) { e.Seq++ }},
		{"request id", func(e *envelope.Envelope) { e.RequestID = "" }},
		{"error", func(e *envelope.Envelope) { e.Error = "" }},
		{"data", func(e *envelope.Envelope) { e.Data = json.RawMessage(`{"image":"evil"}`) }},
		{"field bytes moved", func(e *envelope.Envelope) { e.Endpoint, e.Sender = e.Endpoint+e.Sender[:1], e.Sender[1:] }},
		{"no mac", func(e *envelope.Envelope) { e.MAC = "" }},
		{"garbage mac", func(e *envelope.Envelope) { e.MAC = strings.Repeat("A", len(e.MAC)) }},
		{"short mac", func(e *envelope.Envelope) { e.MAC = e.MAC[:10] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := signed()
			tc.change(e)
			if err := k.Verify(e); !errors.Is(err, envelope.ErrUnauthenticated) {
				t.Fatalf("verify after changing %s: %v, want ErrUnauthenticated", tc.name, err)
			}
		})
	}
	if err := key(t, "another secret, 16+ bytes").Verify(signed()); !errors.Is(err, envelope.ErrUnauthenticated) {
		t.Fatalf("verify under another secret: %v", err)
	}
	if _, err := envelope.NewKey([]byte("short")); !errors.Is(err, envelope.ErrShortSecret) {
		t.Fatalf("short secret: %v", err)
	}
}

// BenchmarkEnvelopeMAC is the cost of the shared-secret HMAC: one encode
// plus one decode of a config-update-sized and a task-sized envelope,
// without (base) and with (cand) Sign before the encode and Verify after
// the decode, in alternating blocks (testkit.Paired).
func BenchmarkEnvelopeMAC(b *testing.B) {
	k := key(b, "0123456789abcdef-secret")
	for _, sz := range []struct {
		name string
		size int
	}{{"64B", 64}, {"1KiB", 1024}} {
		b.Run(sz.name, func(b *testing.B) {
			data := json.RawMessage(`"` + strings.Repeat("x", sz.size-2) + `"`)
			e := envelope.New(envelope.Event, "controlplane", "config.update", data)
			e.Seq = 12345
			buf := make([]byte, 0, 2048)
			var out envelope.Envelope
			round := func(n int, mac bool) {
				for range n {
					if mac {
						k.Sign(e)
					}
					var err error
					if buf, err = e.AppendJSON(buf[:0]); err != nil {
						b.Fatal(err)
					}
					if err := envelope.Decode(buf, &out); err != nil {
						b.Fatal(err)
					}
					if mac {
						if err := k.Verify(&out); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			testkit.Paired(b, 10000, func(n int) { round(n, false) }, func(n int) { round(n, true) })
		})
	}
}
