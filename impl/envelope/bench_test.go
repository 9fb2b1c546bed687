package envelope_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/envelope"
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
// payload is a JSON string of the given size: encoding/json beside the codec.
func BenchmarkEnvelope(b *testing.B) {
	for _, sz := range []struct {
		name string
		size int
	}{{"64B", 64}, {"1KiB", 1024}} {
		data := json.RawMessage(`"` + strings.Repeat("x", sz.size-2) + `"`)
		e := envelope.New(envelope.Task, "controlplane", "/tasks/echo", data)
		e.Seq = 12345
		b.Run("encoding-json/"+sz.name, func(b *testing.B) {
			je := jsonEnvelope{ID: e.ID, Type: "task", Endpoint: e.Endpoint, Timestamp: e.Timestamp,
				Sender: e.Sender, Seq: e.Seq, Data: e.Data}
			b.SetBytes(int64(sz.size))
			b.ReportAllocs()
			for range b.N {
				buf, err := json.Marshal(&je)
				if err != nil {
					b.Fatal(err)
				}
				var out jsonEnvelope
				if err := json.Unmarshal(buf, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("codec/"+sz.name, func(b *testing.B) {
			buf := make([]byte, 0, 2048)
			var out envelope.Envelope
			b.SetBytes(int64(sz.size))
			b.ReportAllocs()
			for range b.N {
				var err error
				if buf, err = e.AppendJSON(buf[:0]); err != nil {
					b.Fatal(err)
				}
				if err := envelope.Decode(buf, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
