package engine

import (
	"math"
	"runtime"
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

// DefaultSpin is how near its due time the next message is waited for by
// spinning (yielding with runtime.Gosched) rather than on a timer: a timer
// on a loaded machine wakes tens of microseconds late, several messages at
// 100,000/s, and arming one per message is what held the generator far
// below the library's speed.
const DefaultSpin = 50 * time.Microsecond

// ScheduleOptions tune a Schedule; the zero value is the defaults.
type ScheduleOptions struct {
	// Spin: a wait up to Spin is spun, a longer one slept on the
	// schedule's one timer. Zero or less: DefaultSpin.
	Spin time.Duration
	// Slack decides the end when the time is up with messages unsent (the
	// Pacer says stop): the next message still goes out if it was due
	// before the end (the Pacer would have sent it on time) and the walk
	// has been behind its schedule for at most Slack (it last waited for a
	// message due no more than Slack ago). A generator that
	// keeps up but is late at the very end (a timer, a preemption, a
	// stalled process) then sends exactly the plan, however its last
	// wake-up falls; one that has been behind for longer, as one that
	// cannot keep the rate is, stops at once, and the tail it never
	// reached is what it is behind by, whatever Slack is. Zero or less:
	// none, the Pacer alone decides.
	Slack time.Duration
}

// Schedule walks a Pacer's messages from a start time, waiting for each to
// be due; one goroutine's, not safe for concurrent use.
type Schedule struct {
	p     Pacer
	start time.Time
	o     ScheduleOptions
	hits  uint64
	ahead time.Time // until when the walk was last on time: the due time of the last message it waited for (or its start)
	done  bool      // stopped: it never hands out a message again
	timer *time.Timer
}

// NewSchedule starts walking p's messages from start, with the default
// options. Stop it when done.
func NewSchedule(p Pacer, start time.Time) *Schedule {
	return NewScheduleWith(p, start, ScheduleOptions{})
}

// NewScheduleWith is NewSchedule with options o.
func NewScheduleWith(p Pacer, start time.Time, o ScheduleOptions) *Schedule {
	if o.Spin <= 0 {
		o.Spin = DefaultSpin
	}
	o.Slack = max(o.Slack, 0)
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Schedule{p: p, start: start, o: o, ahead: start, timer: t}
}

// Next waits until the next message is due and returns its number and the
// time it was due (its latency's origin); false when the schedule is over
// or ctx ended. A late caller gets the next message at once: nothing is
// skipped, and the lateness shows in the latencies.
func (s *Schedule) Next(ctx interface{ Done() <-chan struct{} }) (seq uint64, intended time.Time, ok bool) {
	seq, intended, _, ok = s.next(ctx)
	return seq, intended, ok
}

// next is Next, and also returns the time it read as it handed the
// message out: the message's actual send time, if it goes at once.
func (s *Schedule) next(ctx interface{ Done() <-chan struct{} }) (seq uint64, intended, now time.Time, ok bool) {
	if s.done {
		return 0, time.Time{}, time.Time{}, false
	}
	select {
	case <-ctx.Done():
		return 0, time.Time{}, time.Time{}, false
	default:
	}
	now = time.Now()
	wait, stop := s.p.Pace(now.Sub(s.start), s.hits)
	if stop && !s.owed(now) {
		s.done = true
		return 0, time.Time{}, time.Time{}, false
	}
	if wait > 0 { // on time until the message is due, however late the wait ends
		s.ahead = now.Add(wait)
	}
	switch {
	case stop: // owed, so already due
	case wait > s.o.Spin:
		s.timer.Reset(wait)
		select {
		case <-s.timer.C:
		case <-ctx.Done():
			s.timer.Stop()
			return 0, time.Time{}, time.Time{}, false
		}
		now = time.Now()
	case wait > 0:
		// Spun, not slept: at most Spin, and the message goes out on time.
		for due := now.Add(wait); now.Before(due); now = time.Now() {
			runtime.Gosched()
		}
	}
	seq = s.hits
	s.hits++
	return seq, s.p.Intended(s.start, seq), now, true
}

// owed says whether the next message, which the Pacer refused at now
// because the time is up, goes out all the same (ScheduleOptions.Slack):
// it was due before the end, and the walk has been behind for at most
// Slack (so it is at most that late).
func (s *Schedule) owed(now time.Time) bool {
	if s.o.Slack <= 0 || now.Sub(s.ahead) > s.o.Slack {
		return false
	}
	due := s.p.Intended(s.start, s.hits).Sub(s.start)
	if due > now.Sub(s.start) { // not due yet: the schedule is over
		return false
	}
	_, stop := s.p.Pace(due, s.hits) // on time, would it have gone?
	return !stop
}

// Stop releases the schedule's timer.
func (s *Schedule) Stop() { s.timer.Stop() }
