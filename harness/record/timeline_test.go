package record_test

import (
	"testing"
	"time"

	"github.com/nngbench/nngbench/harness/record"
)

func TestNewTimeline(t *testing.T) {
	before := time.Now()
	tl := record.NewTimeline(2*time.Second, 10*time.Second)
	if tl.Start.Before(before) || tl.Start.After(time.Now()) {
		t.Errorf("start %v, not now", tl.Start)
	}
	if d := tl.Window.Sub(tl.Start); d != 2*time.Second {
		t.Errorf("window starts %v after the start, want the 2s warmup", d)
	}
	if d := tl.End.Sub(tl.Window); d != 10*time.Second {
		t.Errorf("window lasts %v, want 10s", d)
	}
}
