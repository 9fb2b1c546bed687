package record_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/record"
)

// feedShare feeds the blocked-sender run's messages k with k%of == part,
// plus some errors, timeouts and losses, so that every counter and bucket
// has something to add up.
func feedShare(r *record.Recorder, part, of int) {
	for k := range 10_000 {
		if k%of != part {
			continue
		}
		due := at(time.Duration(k) * ms)
		sent, reply := due, due.Add(ms)
		if k >= 5000 && k < 6000 {
			sent, reply = at(6*time.Second), at(6*time.Second+ms)
		}
		r.Sent(due, sent, 100+k%7)
		r.Received(due, sent, reply, 100+k%7)
		if k%97 == 0 {
			r.Error()
		}
		if k%89 == 0 {
			r.Timeout()
		}
		if k%83 == 0 {
			r.Lost(2)
		}
	}
	// A late straggler beyond the window, in one share only.
	if part == of-1 {
		r.Received(at(9*time.Second), at(9*time.Second), at(12*time.Second), 1)
	}
}

func TestMergeEqualsOneRecorder(t *testing.T) {
	t.Parallel()
	const workers = 4
	end := at(10 * time.Second)
	one := record.New(record.Options{Start: t0, Planned: 1000})
	feedShare(one, 0, 1)

	merged := record.New(record.Options{Start: t0, Planned: 1000 / workers})
	feedShare(merged, 0, workers)
	for part := 1; part < workers; part++ {
		r := record.New(record.Options{Start: t0, Planned: 1000 / workers})
		feedShare(r, part, workers)
		if err := merged.Merge(r); err != nil {
			t.Fatalf("Merge: %v", err)
		}
	}

	if got, want := merged.Snapshot(end), one.Snapshot(end); !reflect.DeepEqual(got, want) {
		t.Errorf("merged snapshot differs from one recorder's:\n got %+v\nwant %+v", got, want)
	}
	for name, h := range map[string][2]interface{ TotalCount() int64 }{
		"corrected":   {merged.Histogram(), one.Histogram()},
		"uncorrected": {merged.Uncorrected(), one.Uncorrected()},
		"lag":         {merged.Lag(), one.Lag()},
	} {
		if h[0].TotalCount() != h[1].TotalCount() {
			t.Errorf("%s: %d values merged, want %d", name, h[0].TotalCount(), h[1].TotalCount())
		}
	}
	if !merged.Histogram().Equals(one.Histogram()) || !merged.Uncorrected().Equals(one.Uncorrected()) {
		t.Error("merged histograms differ from one recorder's")
	}
	if got := merged.Options().Planned; got != 1000 {
		t.Errorf("merged plan = %g/s, want the sum, 1000/s", got)
	}
}

func TestMergeRefusesMismatch(t *testing.T) {
	t.Parallel()
	base := record.Options{Start: t0}
	tests := []struct {
		name  string
		other record.Options
	}{
		{"interval", record.Options{Start: t0, Interval: 2 * time.Second}},
		{"lowest", record.Options{Start: t0, Lowest: time.Nanosecond}},
		{"highest", record.Options{Start: t0, Highest: time.Second}},
		{"sigfigs", record.Options{Start: t0, SigFigs: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, o := record.New(base), record.New(tt.other)
			o.Received(t0, t0, t0.Add(ms), 1)
			if err := r.Merge(o); !errors.Is(err, record.ErrMismatch) {
				t.Fatalf("Merge = %v, want ErrMismatch", err)
			}
			if n := r.Snapshot(at(time.Second)).Received; n != 0 {
				t.Errorf("a refused Merge changed the recorder: %d received", n)
			}
		})
	}
	t.Run("itself", func(t *testing.T) {
		r := record.New(base)
		if err := r.Merge(r); !errors.Is(err, record.ErrMismatch) {
			t.Errorf("Merge(self) = %v, want ErrMismatch", err)
		}
	})
	t.Run("nil is nothing", func(t *testing.T) {
		if err := record.New(base).Merge(nil); err != nil {
			t.Errorf("Merge(nil) = %v", err)
		}
	})
	t.Run("different start is fine", func(t *testing.T) {
		o := record.New(record.Options{Start: t0.Add(time.Second)})
		if err := record.New(base).Merge(o); err != nil {
			t.Errorf("Merge = %v", err)
		}
	})
}
