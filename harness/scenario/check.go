package scenario

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// check runs the checks that span fields, after the whole file is read (a
// fault's target depends on workers, wherever workers is written). It
// skips fields already reported, so that one mistake gives one message.
func (d *decoder) check(s *Scenario, targets [][]target) {
	for _, f := range []string{"name", "duration", "workloads"} {
		if !d.has(f) && !d.mark(f).bad {
			d.report(f, 0, nil, "required")
		}
	}
	if d.has("workloads") && len(s.Workloads) == 0 && !d.mark("workloads").bad {
		d.report("workloads", 0, nil, "at least one workload is required")
	}
	d.checkInterval(s)
	d.checkCluster(s.Cluster)
	for i := range s.Workloads {
		p := index("workloads", i)
		d.checkWorkload(&s.Workloads[i], p)
		d.checkServiceTime(&s.Workloads[i], p)
	}
	d.nameWorkloads(s.Workloads)
	d.checkSweep(s) // after the names: a rate sweep names its workloads
	for i := range s.Faults {
		p := index("faults", i)
		if d.mark(p).bad { // not a mapping: said so already
			continue
		}
		d.checkFault(s, &s.Faults[i], p)
		d.resolveTargets(s, &s.Faults[i], p, targets[i])
	}
	d.checkControlPlane(s)
}

// checkControlPlane: faults on the control plane's process need it to run
// as one, and the impl workloads that drive it through its Go API need it
// embedded.
func (d *decoder) checkControlPlane(s *Scenario) {
	process := s.Cluster.ControlPlane == ControlPlaneProcess
	for i, f := range s.Faults {
		p := index("faults", i)
		if !f.Controlplane || d.mark(p).bad || (f.Kind != FaultKill && f.Kind != FaultPause && f.Kind != FaultRestart) {
			continue
		}
		if !process {
			d.report(p+".target", 0, nil, "%s of the controlplane acts on its process: set cluster.controlplane: process", f.Kind)
		}
		if f.Kind == FaultKill && f.RestartAfter == 0 && !d.mark(p+".restart_after").bad {
			d.report(p+".restart_after", 0, nil, "required to kill the controlplane: nothing would run the cluster after it")
		}
	}
	if !process {
		return
	}
	if s.Transport == TransportInproc {
		d.report("cluster.controlplane", 0, nil, "process: transport inproc runs the whole cluster in one process")
	}
	for i, w := range s.Workloads {
		if w.Mode == ModeImpl && w.Pattern != PatternReqRep && w.Pattern != "" {
			d.report(index("workloads", i)+".pattern", 0, nil,
				"%s in mode impl drives the control plane through its Go API: it needs cluster.controlplane: embedded", w.Pattern)
		}
	}
}

// checkCluster compares the heartbeat settings with each other, or with
// impl/'s default for the one not given: a timeout below the interval would
// declare every worker dead between two beats.
func (d *decoder) checkCluster(c Cluster) {
	iv, to := "cluster.heartbeat_interval", "cluster.heartbeat_timeout"
	if d.mark(iv).bad || d.mark(to).bad || (!d.has(iv) && !d.has(to)) {
		return
	}
	interval := cmp.Or(c.HeartbeatInterval, DefaultHeartbeatInterval)
	timeout := cmp.Or(c.HeartbeatTimeout, DefaultHeartbeatTimeout)
	switch {
	case timeout >= interval:
	case !d.has(iv):
		d.report(to, 0, nil, "must be >= heartbeat_interval (default %v)", interval)
	case !d.has(to):
		d.report(iv, 0, nil, "must be <= heartbeat_timeout (default %v)", timeout)
	default:
		d.report(to, 0, nil, "must be >= heartbeat_interval (%v)", interval)
	}
}

func (d *decoder) checkWorkload(w *Workload, p string) {
	it := d.item(p)
	if it.mark("").bad {
		return
	}
	if !it.has(".pattern") {
		d.report(p+".pattern", 0, nil, "required")
	}
	if it.ok(".pattern") && it.ok(".mode") {
		switch {
		case (w.Pattern == PatternBus || w.Pattern == PatternPair) && w.Mode != ModeRaw:
			d.report(p+".mode", 0, nil, "pattern %s runs only in mode raw", w.Pattern)
		case w.Pattern == PatternHeartbeat && w.Mode != ModeImpl:
			d.report(p+".mode", 0, nil, "pattern heartbeat is impl/'s own protocol: it runs only in mode impl")
		}
	}
	if w.Mode == "" && w.Pattern != "" {
		w.Mode = ModeImpl
		if w.Pattern == PatternBus || w.Pattern == PatternPair {
			w.Mode = ModeRaw // the only mode they have, so not worth writing
		}
	}
	switch rate, conc := it.has(".rate"), it.has(".concurrency"); {
	case rate && conc:
		d.report(p+".concurrency", 0, nil, "rate is given too: choose open loop (rate) or closed loop (concurrency)")
	case !rate && !conc:
		d.report(p, 0, nil, "needs rate (open loop) or concurrency (closed loop)")
	}
	if it.ok(".endpoint") && it.ok(".pattern") && w.Pattern != PatternReqRep {
		d.report(p+".endpoint", 0, nil, "only for pattern reqrep, not %s", w.Pattern)
	} else if w.Pattern == PatternReqRep && !it.has(".endpoint") {
		w.Endpoint = DefaultEndpoint
	}
	if it.has(".via") && it.ok(".pattern") && (w.Pattern != PatternReqRep || w.Mode != ModeImpl) {
		d.report(p+".via", 0, nil, "only for pattern reqrep in mode impl, not %s in mode %s", w.Pattern, w.Mode)
	} else if w.Pattern == PatternReqRep && w.Mode == ModeImpl && slices.Contains(PlacedEndpoints, w.Endpoint) {
		d.checkPlaced(w, p)
	}
	if it.ok(".task") && it.ok(".pattern") && w.Pattern != PatternPushPull {
		d.report(p+".task", 0, nil, "only for pattern pushpull, not %s", w.Pattern)
	} else if w.Pattern == PatternPushPull && !it.has(".task") {
		w.Task = TaskEcho
	}
	if !it.has(".size") {
		w.Size = SizeRange{Min: DefaultSize, Max: DefaultSize}
	}
}

// checkPlaced sends the instance endpoints through the control plane:
// it places what it creates, and an instance made on a worker behind its
// back is one it deletes again (a stray). Without via they take it; via
// direct is refused.
func (d *decoder) checkPlaced(w *Workload, p string) {
	switch {
	case !d.has(p + ".via"):
		w.Via = ViaControlPlane
	case d.ok(p+".via") && w.Via != ViaControlPlane:
		d.report(p+".via", 0, nil, "%s goes through the control plane, which places instances: "+
			"leave via out or say via: %s", w.Endpoint, ViaControlPlane)
	}
}

// nameWorkloads checks the names given and names the others after their
// pattern, skipping names taken, so that every workload has its own
// metrics in the results.
func (d *decoder) nameWorkloads(ws []Workload) {
	taken := map[string]int{} // name -> line
	for i, w := range ws {
		if w.Name == "" { // not given, or reported: parseName takes no ""
			continue
		}
		p := index("workloads", i) + ".name"
		if !d.ok(p) { // a repeated key, reported
			continue
		}
		if line, dup := taken[w.Name]; dup {
			d.report(p, 0, nil, "%q is already the name of the workload at line %d", w.Name, line)
			continue
		}
		taken[w.Name] = d.lineOf(p)
	}
	// next[p] is the first suffix not yet tried for pattern p (1: the bare
	// name), so the search for the next workload starts where the last one
	// stopped: linear in the workloads, where starting again at 2 was
	// quadratic. Only the given names need looking up: the suffixes of a
	// pattern only grow, and no pattern is another's name with a suffix
	// (TestPatternsNameApart), so generated names never meet.
	next := map[Pattern]int{}
	for i := range ws {
		w := &ws[i]
		if w.Name != "" || w.Pattern == "" || d.seen.at("workloads", i, ".name").set {
			continue
		}
		n := max(next[w.Pattern], 1)
		for ; ; n++ {
			w.Name = string(w.Pattern)
			if n > 1 {
				w.Name += "-" + strconv.Itoa(n)
			}
			if _, dup := taken[w.Name]; !dup {
				break
			}
		}
		next[w.Pattern] = n + 1
	}
}

// resolveTargets expands all and checks that each worker-N exists.
func (d *decoder) resolveTargets(s *Scenario, f *Fault, p string, targets []target) {
	if !d.has(p+".target") && !d.mark(p+".target").bad {
		d.report(p+".target", 0, nil, "required")
		return
	}
	known := !d.mark("workers").bad // else the count is the default, not what was meant
	for _, t := range targets {
		switch {
		case t.name == "all":
			f.All = true
			f.Targets = append(f.Targets, allWorkers(s.Workers)...)
		case t.name == "controlplane":
			f.Controlplane = true
		case known && t.worker > s.Workers:
			what := "workers"
			if len(s.Sweep) > 0 {
				what = "the sweep's first run has"
			}
			d.report(t.path, 0, nil, "no %s (%s: %d)", t.name, what, s.Workers)
		default:
			f.Targets = append(f.Targets, t.name)
		}
	}
}

// within checks that at+d ends inside the run; written as d > duration-at
// because at+d can overflow.
func within(at, d, duration time.Duration) bool { return d <= duration-at }

// checkInterval bounds an `interval:` key: at least MinInterval, at most
// the measured window, and no more than MaxIntervals of them in it.
func (d *decoder) checkInterval(s *Scenario) {
	if s.Interval == 0 || d.mark("interval").bad {
		return
	}
	switch {
	case s.Interval < MinInterval:
		d.report("interval", 0, nil, "%v is finer than the %v the series can hold", s.Interval, MinInterval)
	case s.Duration > 0 && s.Interval > s.Duration:
		d.report("interval", 0, nil, "%v is longer than the %v duration: the series would have one point", s.Interval, s.Duration)
	case s.Duration > 0 && s.Duration/s.Interval > MaxIntervals:
		d.report("interval", 0, nil, "%v makes %d intervals of the %v duration, more than %d", s.Interval,
			s.Duration/s.Interval, s.Duration, MaxIntervals)
	}
}
