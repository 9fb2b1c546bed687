package record

import "time"

// Timeline is a run's: its schedule starts at Start, the measured window
// (after the warmup) at Window, and the schedule ends at End.
type Timeline struct{ Start, Window, End time.Time }

// NewTimeline starts a timeline now.
func NewTimeline(warmup, duration time.Duration) Timeline {
	start := time.Now()
	return Timeline{Start: start, Window: start.Add(warmup), End: start.Add(warmup + duration)}
}
