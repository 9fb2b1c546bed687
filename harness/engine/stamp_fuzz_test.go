package engine_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
)

// FuzzParseStamp: ParseStamp never panics, and a stamp it accepts writes back the same 32 bytes.
func FuzzParseStamp(f *testing.F) {
	valid := make([]byte, engine.StampSize+8)
	_ = engine.Stamp{Sender: 3, Seq: 42, Intended: time.Unix(0, 1_700_000_000_000_000_000),
		Actual: time.Unix(0, -1)}.Put(valid)
	f.Add(valid)
	f.Add(valid[:engine.StampSize])
	f.Add(valid[:engine.StampSize-1])
	f.Add(make([]byte, engine.StampSize))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := engine.ParseStamp(b)
		if err != nil {
			return
		}
		out := make([]byte, engine.StampSize)
		if err := st.Put(out); err != nil {
			t.Fatalf("Put of a parsed stamp: %v", err)
		}
		if !bytes.Equal(out, b[:engine.StampSize]) {
			t.Fatalf("re-encoded %x, parsed from %x", out, b[:engine.StampSize])
		}
	})
}
