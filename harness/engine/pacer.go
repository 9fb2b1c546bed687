package engine

import (
	"math"
	"time"
)

// Pacer schedules an open-loop generator, as vegeta's does: given the time
// since the start and the number of messages sent so far, it says how long
// to wait before the next one, or to stop; and when message number hit is
// due, the time its latency is measured from.
type Pacer interface {
	Pace(elapsed time.Duration, hits uint64) (wait time.Duration, stop bool)
	Intended(start time.Time, hit uint64) time.Time
}

var _ Pacer = ConstantPacer{}

// ConstantPacer sends Freq messages per second, message n being due at
// n/Freq seconds after the start, for Duration (0: until stopped).
type ConstantPacer struct {
	Freq     float64       // messages per second; not positive stops at once
	Duration time.Duration // how long to send for; 0 = no end
}

// Pace returns the wait until message number hits is due, 0 if it is
// already late: a late generator sends at once and never skips a message,
// so its lag shows in the latencies. It stops when the time is up, even
// with messages unsent (Recorder.Behind then counts them), or when the
// next message would be due at or after Duration.
func (p ConstantPacer) Pace(elapsed time.Duration, hits uint64) (wait time.Duration, stop bool) {
	if !(p.Freq > 0) || math.IsInf(p.Freq, 1) { // no rate to keep: nothing to send
		return 0, true
	}
	due := p.offset(hits)
	if p.Duration > 0 && (elapsed >= p.Duration || due >= p.Duration) {
		return 0, true
	}
	return max(due-elapsed, 0), false
}

// Intended is when message number hit is due for a run started at start:
// the time its latency is measured from.
func (p ConstantPacer) Intended(start time.Time, hit uint64) time.Time {
	return start.Add(p.offset(hit))
}

// offset is hit/Freq seconds, rounded to the nanosecond. From the count,
// not by adding 1/Freq per message, so that rounding never accumulates.
// Without a rate, or past what a Duration holds, it sticks at an end.
func (p ConstantPacer) offset(hit uint64) time.Duration {
	if !(p.Freq > 0) {
		return 0
	}
	d := math.Round(float64(hit) / p.Freq * float64(time.Second))
	if d >= math.MaxInt64 { // float64(MaxInt64) rounds up to 2^63, which does not convert
		return math.MaxInt64
	}
	return time.Duration(d)
}

// Schedule walks a Pacer's messages from a start time, waiting for each to
// be due; one goroutine's, not safe for concurrent use.
type Schedule struct {
	p     Pacer
	start time.Time
	hits  uint64
	timer *time.Timer
}

// NewSchedule starts walking p's messages from start. Stop it when done.
func NewSchedule(p Pacer, start time.Time) *Schedule {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Schedule{p: p, start: start, timer: t}
}

// Next waits until the next message is due and returns its number and the
// time it was due (its latency's origin); false when the schedule is over
// or ctx ended. A late caller gets the next message at once: nothing is
// skipped, and the lateness shows in the latencies.
func (s *Schedule) Next(ctx interface{ Done() <-chan struct{} }) (seq uint64, intended time.Time, ok bool) {
	wait, stop := s.p.Pace(time.Since(s.start), s.hits)
	if stop {
		return 0, time.Time{}, false
	}
	if wait > 0 {
		s.timer.Reset(wait)
		select {
		case <-s.timer.C:
		case <-ctx.Done():
			return 0, time.Time{}, false
		}
	}
	seq = s.hits
	s.hits++
	return seq, s.p.Intended(s.start, seq), true
}

// Stop releases the schedule's timer.
func (s *Schedule) Stop() { s.timer.Stop() }
