package scenario

import (
	"cmp"
	"slices"
	"time"
)

// param is a fault key that only some kinds take.
type param struct {
	key   string
	kinds []FaultKind
	only  string // who takes it, for the message
}

// params lists, for each key that is not common to all faults, the kinds
// that take it. A function rather than a package variable, so that no
// caller can change it under a running test.
func params() []param {
	toxics := []FaultKind{FaultLatency, FaultBandwidth, FaultSlowClose, FaultTimeout, FaultResetPeer, FaultSlicer, FaultLimitData}
	linked := append([]FaultKind{FaultPartition}, toxics...)
	return []param{
		{"link", linked, "toxics and partition"},
		{"direction", linked, "toxics and partition"},
		{"toxicity", toxics, "toxics"},
		{"latency", []FaultKind{FaultLatency}, "latency"},
		{"jitter", []FaultKind{FaultLatency}, "latency"},
		{"rate", []FaultKind{FaultBandwidth}, "bandwidth"},
		{"delay", []FaultKind{FaultSlowClose, FaultSlicer}, "slow_close and slicer"},
		{"timeout", []FaultKind{FaultTimeout, FaultResetPeer}, "timeout and reset_peer"},
		{"bytes", []FaultKind{FaultLimitData}, "limit_data"},
		{"average_size", []FaultKind{FaultSlicer}, "slicer"},
		{"size_variation", []FaultKind{FaultSlicer}, "slicer"},
		{"restart_after", []FaultKind{FaultKill}, "kill"},
	}
}

// required lists the keys a kind cannot do without.
func (k FaultKind) required() []string {
	switch k {
	case FaultLatency:
		return []string{"latency"}
	case FaultBandwidth:
		return []string{"rate"}
	case FaultSlowClose:
		return []string{"delay"}
	case FaultLimitData:
		return []string{"bytes"}
	case FaultSlicer:
		return []string{"average_size"}
	case FaultPause, FaultPartition:
		return []string{"for"} // else the run ends with a process stopped or a link cut
	default:
		return nil
	}
}

func (d *decoder) checkFault(s *Scenario, f *Fault, p string) {
	for _, key := range []string{"at", "kind"} {
		if !d.has(p+"."+key) && !d.mark(p+"."+key).bad {
			d.report(p+"."+key, 0, nil, "required")
		}
	}
	d.checkTimeline(s, f, p)
	if !d.ok(p + ".kind") {
		return // what the kind allows is unknown
	}
	for _, pa := range params() {
		if d.has(p+"."+pa.key) && !slices.Contains(pa.kinds, f.Kind) {
			d.report(p+"."+pa.key, 0, nil, "not allowed with kind %s (only %s)", f.Kind, pa.only)
		}
	}
	for _, key := range f.Kind.required() {
		if !d.has(p+"."+key) && !d.mark(p+"."+key).bad {
			d.report(p+"."+key, 0, nil, "required for kind %s", f.Kind)
		}
	}
	switch {
	case d.has(p+".for") && f.Kind == FaultKill:
		d.report(p+".for", 0, nil, "not allowed with kind kill: it happens at once (restart_after starts the process again)")
	case d.has(p+".for") && f.Kind == FaultRestart:
		d.report(p+".for", 0, nil, "not allowed with kind restart: it happens at once")
	}
	d.checkToxiproxyUnits(f, p)
	d.checkTransport(s, f, p)
	if f.Kind.IsToxic() || f.Kind == FaultPartition {
		f.Direction = cmp.Or(f.Direction, DirectionBoth)
	}
	if f.Kind.IsToxic() && !d.has(p+".toxicity") {
		f.Toxicity = 1
	}
}

// checkTimeline keeps every fault inside the measured run: one that starts
// after it never happens, and one that heals after it leaves the cluster
// broken for the next scenario.
func (d *decoder) checkTimeline(s *Scenario, f *Fault, p string) {
	if !d.ok("duration") || !d.ok(p+".at") {
		return
	}
	if f.At >= s.Duration {
		d.report(p+".at", 0, nil, "must be < duration (%v): the fault would start after the run", s.Duration)
		return
	}
	if d.ok(p+".for") && !within(f.At, f.For, s.Duration) {
		d.report(p+".for", 0, nil, "ends after the run: at %v + for %v > duration %v", f.At, f.For, s.Duration)
	}
	if d.ok(p+".restart_after") && !within(f.At, f.RestartAfter, s.Duration) {
		d.report(p+".restart_after", 0, nil, "restarts after the run: at %v + %v > duration %v", f.At, f.RestartAfter, s.Duration)
	}
}

// checkToxiproxyUnits refuses values toxiproxy would round to something
// else without a word: its latency, jitter, timeout and slow_close delay
// are whole milliseconds, slicer's delay microseconds, and bandwidth KB/s,
// where 0 means no limit at all.
func (d *decoder) checkToxiproxyUnits(f *Fault, p string) {
	grain := func(key string, v, unit time.Duration, name string) {
		if d.ok(p+"."+key) && v%unit != 0 {
			d.report(p+"."+key, 0, nil, "must be a whole number of %s (toxiproxy's unit)", name)
		}
	}
	switch f.Kind {
	case FaultLatency:
		grain("latency", f.Latency, time.Millisecond, "milliseconds")
		grain("jitter", f.Jitter, time.Millisecond, "milliseconds")
	case FaultTimeout, FaultResetPeer:
		grain("timeout", f.Timeout, time.Millisecond, "milliseconds")
	case FaultSlowClose:
		grain("delay", f.Delay, time.Millisecond, "milliseconds")
	case FaultSlicer:
		grain("delay", f.Delay, time.Microsecond, "microseconds")
		if d.ok(p+".size_variation") && d.ok(p+".average_size") && f.SizeVariation >= f.AverageSize {
			d.report(p+".size_variation", 0, nil, "must be < average_size (%s): slices are average_size ± size_variation", formatSize(f.AverageSize))
		}
	case FaultBandwidth:
		if d.ok(p+".rate") && f.Rate < 1000 {
			d.report(p+".rate", 0, nil, "must be >= 1000B: toxiproxy counts KB/s, and less rounds to 0, which means no limit")
		}
	default: // the other kinds take no durations or sizes toxiproxy would round
	}
}

// checkTransport refuses faults a transport cannot have: inproc runs the
// whole cluster in one process, with sockets that meet in memory; ipc links
// are Unix sockets, which toxiproxy (TCP only) cannot sit on.
func (d *decoder) checkTransport(s *Scenario, f *Fault, p string) {
	switch {
	case s.Transport == TransportInproc && (f.Kind == FaultKill || f.Kind == FaultPause || f.Kind == FaultRestart):
		d.report(p+".kind", 0, nil, "%s acts on a process, and transport inproc runs the cluster in one process", f.Kind)
	case (s.Transport == TransportInproc || s.Transport == TransportIPC) && (f.Kind.IsToxic() || f.Kind == FaultPartition):
		d.report(p+".kind", 0, nil, "%s acts on a proxied TCP link, and transport %s has none", f.Kind, s.Transport)
	}
}
