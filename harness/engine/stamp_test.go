package engine_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
)

func TestStampRoundTrip(t *testing.T) {
	t.Parallel()
	want := engine.Stamp{Sender: 7, Seq: 1<<40 + 3,
		Intended: time.Unix(0, 1_700_000_000_123_456_789), Actual: time.Unix(0, 1_700_000_000_123_999_000)}
	buf := make([]byte, 64)
	if err := want.Put(buf); err != nil {
		t.Fatal(err)
	}
	got, err := engine.ParseStamp(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sender != want.Sender || got.Seq != want.Seq || !got.Intended.Equal(want.Intended) || !got.Actual.Equal(want.Actual) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestStampErrors(t *testing.T) {
	t.Parallel()
	foreign := make([]byte, engine.StampSize)
	copy(foreign, "GET / HTTP/1.1\r\n")
	for _, tc := range []struct {
		name    string
		payload []byte
		want    error
	}{
		{"empty", nil, engine.ErrShortPayload},
		{"one byte short", make([]byte, engine.StampSize-1), engine.ErrShortPayload},
		{"foreign", foreign, engine.ErrForeignPayload},
		{"zeros", make([]byte, engine.StampSize), engine.ErrForeignPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := engine.ParseStamp(tc.payload); !errors.Is(err, tc.want) {
				t.Fatalf("ParseStamp: %v, want %v", err, tc.want)
			}
		})
	}
	if err := (engine.Stamp{}).Put(make([]byte, 8)); !errors.Is(err, engine.ErrShortPayload) {
		t.Fatalf("Put into 8 bytes: %v", err)
	}
}
