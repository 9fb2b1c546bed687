package envelope_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
	"github.com/nngbench/nngbench/impl/internal/testkit"
)

// jsonEnvelope is the straightforward encoding/json form of the envelope,
// the baseline the hand-written codec is measured against.
type jsonEnvelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Endpoint  string          `json:"endpoint"`
	Timestamp time.Time       `json:"timestamp"`
	Sender    string          `json:"sender"`
	Seq       uint64          `json:"seq,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
	Error     string          `json:"error,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// BenchmarkEnvelope is one encode plus one decode of a task envelope whose
// payload is a JSON string of the given size: encoding/json (base) beside
// the codec (cand), in alternating blocks (testkit.Paired).
func BenchmarkEnvelope(b *testing.B) {
	for _, sz := range []struct {
		name string
		size int
	}{{"64B", 64}, {"1KiB", 1024}} {
		b.Run(sz.name, func(b *testing.B) {
			data := json.RawMessage(`"` + strings.Repeat("x", sz.size-2) + `"`)
			e := envelope.New(envelope.Task, "controlplane", "/tasks/echo", data)
			e.Seq = 12345
			je := jsonEnvelope{ID: e.ID, Type: "task", Endpoint: e.Endpoint, Timestamp: e.Timestamp,
				Sender: e.Sender, Seq: e.Seq, Data: e.Data}
			stdlib := func(n int) {
				for range n {
					buf, err := json.Marshal(&je)
					if err != nil {
						b.Fatal(err)
					}
					var out jsonEnvelope
					if err := json.Unmarshal(buf, &out); err != nil {
						b.Fatal(err)
					}
				}
			}
			buf := make([]byte, 0, 2048)
			var out envelope.Envelope
			codec := func(n int) {
				for range n {
					var err error
					if buf, err = e.AppendJSON(buf[:0]); err != nil {
						b.Fatal(err)
					}
					if err := envelope.Decode(buf, &out); err != nil {
						b.Fatal(err)
					}
				}
			}
			testkit.Paired(b, 10000, stdlib, codec)
		})
	}
}
