package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// target is one entry of a fault's target, as written; resolved against
// workers once the whole file is read, as workers may come after faults.
type target struct {
	name   string
	path   string
	worker int // N of worker-N; 0 for all and controlplane
}

// scenario decodes the top-level mapping. Each field is checked on its own
// here; checks across fields wait for check, when everything is known.
// It returns each fault's targets as written, beside the scenario, and nil
// if the document is not a mapping: then nothing else can be said.
func (d *decoder) scenario(root *yaml.Node) (*Scenario, [][]target) {
	s := &Scenario{File: d.file, Workers: DefaultWorkers, Transport: TransportTCP, Seed: DefaultSeed}
	d.seen.set("", mark{line: root.Line, set: true})
	var targets [][]target
	ok := d.mapping(root, "", fields{
		"name":        func(v *yaml.Node, p string) { s.Name, _ = parsed(d, v, p, "a name", parseName) },
		"description": func(v *yaml.Node, p string) { s.Description, _ = d.str(v, p) },
		"workers": func(v *yaml.Node, p string) {
			if n, ok := d.integer(v, p, 1, MaxWorkers); ok {
				s.Workers = int(n)
			}
		},
		"sweep": func(v *yaml.Node, p string) { d.sweep(v, p, s) },
		"transport": func(v *yaml.Node, p string) {
			if t, ok := parsed(d, v, p, "a transport", ParseTransport); ok {
				s.Transport = t
			}
		},
		"seed": func(v *yaml.Node, p string) {
			if n, ok := d.integer(v, p, math.MinInt64, math.MaxInt64); ok {
				s.Seed = n
			}
		},
		"warmup":   func(v *yaml.Node, p string) { s.Warmup, _ = d.duration(v, p, false) },
		"duration": func(v *yaml.Node, p string) { s.Duration, _ = d.duration(v, p, true) },
		"interval": func(v *yaml.Node, p string) { s.Interval, _ = d.duration(v, p, true) },
		"cluster":  func(v *yaml.Node, p string) { s.Cluster = d.cluster(v, p) },
		"workloads": func(v *yaml.Node, p string) {
			s.Workloads = make([]Workload, 0, len(deref(v).Content)) // not grown step by step: a million is common enough
			d.list(v, p, func(v *yaml.Node, p string) { s.Workloads = append(s.Workloads, d.workload(v, p)) })
		},
		"faults": func(v *yaml.Node, p string) {
			d.list(v, p, func(v *yaml.Node, p string) {
				f, t := d.fault(v, p)
				s.Faults, targets = append(s.Faults, f), append(targets, t)
			})
		},
		"gates": func(v *yaml.Node, p string) {
			d.list(v, p, func(v *yaml.Node, p string) {
				if expr, ok := d.str(v, p); ok && strings.TrimSpace(expr) == "" {
					d.report(p, 0, nil, "empty gate")
				} else if ok {
					s.Gates = append(s.Gates, Gate{Expr: expr, Line: v.Line})
				}
			})
		},
	})
	if !ok {
		return nil, nil
	}
	return s, targets
}

// parseName checks a scenario or workload name: it becomes a folder name
// and a metric prefix, so it stays in a charset every filesystem and gate
// expression takes as is.
func parseName(s string) (string, error) {
	ok := s != ""
	for _, c := range []byte(s) {
		ok = ok && isLowerOrDigit(c)
	}
	if !ok {
		return "", fmt.Errorf("bad name %q: only a-z, 0-9 and '-'", s)
	}
	return s, nil
}

func (d *decoder) cluster(n *yaml.Node, path string) Cluster {
	var c Cluster
	positive := func(dst *time.Duration) func(*yaml.Node, string) {
		return func(v *yaml.Node, p string) { *dst, _ = d.duration(v, p, true) }
	}
	d.mapping(n, path, fields{
		"heartbeat_interval": positive(&c.HeartbeatInterval),
		"heartbeat_timeout":  positive(&c.HeartbeatTimeout),
		"request_timeout":    positive(&c.RequestTimeout),
		"task_lease":         positive(&c.TaskLease),
		"ready_timeout":      positive(&c.ReadyTimeout),
		"handler_delay": func(v *yaml.Node, p string) {
			if dur, ok := d.duration(v, p, false); ok {
				if dur > time.Second || dur%time.Microsecond != 0 {
					d.report(p, v.Line, nil, "must be whole microseconds, at most 1s, got %v", dur)
				}
				c.HandlerDelay = dur
			}
		},
		"task_batch": func(v *yaml.Node, p string) {
			if b, ok := d.integer(v, p, 1, math.MaxInt32); ok {
				c.TaskBatch = int(b)
			}
		},
		"controlplane": func(v *yaml.Node, p string) {
			c.ControlPlane, _ = parsed(d, v, p, "a control plane mode", ParseControlPlaneMode)
		},
		"instances": func(v *yaml.Node, p string) {
			if n, ok := d.integer(v, p, 0, MaxInstances); ok {
				c.Instances = int(n)
			}
		},
		"instance_start": func(v *yaml.Node, p string) {
			if t, ok := d.duration(v, p, false); ok {
				c.InstanceStart = &t
			}
		},
	})
	return c
}

func (d *decoder) workload(n *yaml.Node, path string) Workload {
	w := Workload{Line: n.Line}
	mappingOf(d, n, path, workloadFields, &w)
	return w
}

// workloadFields decodes the keys of a workload (see table).
var workloadFields = table[Workload]{
	"name": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		w.Name, _ = parsed(d, v, p, "a name", parseName)
	},
	"pattern": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		w.Pattern, _ = parsed(d, v, p, "a pattern", ParsePattern)
	},
	"mode": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		w.Mode, _ = parsed(d, v, p, "a mode", ParseMode)
	},
	"rate": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		w.Rate, _ = parsed(d, v, p, "a rate", parseRate)
	},
	"concurrency": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		if c, ok := d.integer(v, p, 1, math.MaxInt32); ok {
			w.Concurrency = int(c)
		}
	},
	"size": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		w.Size, _ = parsed(d, v, p, "a size", parseSizeRange)
	},
	"endpoint": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		if e, ok := d.str(v, p); ok && !strings.HasPrefix(e, "/") {
			d.report(p, 0, nil, "must start with /, got %q", e)
		} else {
			w.Endpoint = e
		}
	},
	"task": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		w.Task, _ = parsed(d, v, p, "a task", parseTask)
	},
	"via": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		switch e, _ := d.str(v, p); e {
		case ViaDirect:
		case ViaControlPlane:
			w.Via = e
		default:
			d.report(p, 0, nil, "want %s or %s, got %q", ViaDirect, ViaControlPlane, e)
		}
	},
	// A replier's fixed time per request, for a system of known capacity.
	"service_time": func(d *decoder, w *Workload, v *yaml.Node, p string) {
		w.ServiceTime, _ = d.duration(v, p, true)
	},
}

func (d *decoder) fault(n *yaml.Node, path string) (Fault, []target) {
	f := Fault{Line: n.Line}
	var targets []target
	dur := func(dst *time.Duration, positive bool) func(*yaml.Node, string) {
		return func(v *yaml.Node, p string) { *dst, _ = d.duration(v, p, positive) }
	}
	size := func(dst *int64, positive bool, parse func(string) (int64, error)) func(*yaml.Node, string) {
		return func(v *yaml.Node, p string) {
			if b, ok := parsed(d, v, p, "a size", parse); ok && positive && b == 0 {
				d.report(p, 0, nil, "must be > 0")
			} else {
				*dst = b
			}
		}
	}
	d.mapping(n, path, fields{
		"at":        dur(&f.At, false),
		"for":       dur(&f.For, true),
		"kind":      func(v *yaml.Node, p string) { f.Kind, _ = parsed(d, v, p, "a fault kind", ParseFaultKind) },
		"target":    func(v *yaml.Node, p string) { targets = d.targets(v, p) },
		"link":      func(v *yaml.Node, p string) { f.Link, _ = parsed(d, v, p, "a link", ParseLink) },
		"direction": func(v *yaml.Node, p string) { f.Direction, _ = parsed(d, v, p, "a direction", ParseDirection) },
		"toxicity":  func(v *yaml.Node, p string) { f.Toxicity, _ = d.fraction(v, p) },
		"latency":   dur(&f.Latency, true),
		"jitter":    dur(&f.Jitter, false),
		"delay":     dur(&f.Delay, false),
		"timeout":   dur(&f.Timeout, false),
		// Zero would be ambiguous: is it "restart at once" or "never"?
		"restart_after":  dur(&f.RestartAfter, true),
		"rate":           size(&f.Rate, true, parseByteRate),
		"bytes":          size(&f.Bytes, true, parseSize),
		"average_size":   size(&f.AverageSize, true, parseSize),
		"size_variation": size(&f.SizeVariation, false, parseSize),
	})
	return f, targets
}

// targets reads a fault's target: one name, or a list of them.
func (d *decoder) targets(n *yaml.Node, path string) []target {
	if deref(n).Kind != yaml.SequenceNode {
		if t, ok := d.target(n, path); ok {
			return []target{t}
		}
		return nil
	}
	var out []target
	first := map[string]int{} // name -> line
	d.list(n, path, func(v *yaml.Node, p string) {
		t, ok := d.target(v, p)
		switch {
		case !ok:
		case t.name == "all":
			d.report(p, 0, nil, "all stands alone, not in a list")
		case first[t.name] > 0:
			d.report(p, 0, nil, "%s is listed twice (first at line %d)", t.name, first[t.name])
		default:
			first[t.name] = d.lineOf(p)
			out = append(out, t)
		}
	})
	if len(out) == 0 && len(deref(n).Content) == 0 {
		d.report(path, 0, nil, "empty list: name at least one target")
	}
	return out
}

// target reads worker-N (N from 1, no leading zeros), all or controlplane.
func (d *decoder) target(n *yaml.Node, path string) (target, bool) {
	name, ok := d.str(n, path)
	if !ok {
		return target{}, false
	}
	t := target{name: name, path: path}
	if name == "all" || name == "controlplane" {
		return t, true
	}
	num, isWorker := strings.CutPrefix(name, "worker-")
	w, err := strconv.Atoi(num)
	if !isWorker || err != nil || strconv.Itoa(w) != num || w < 1 {
		d.report(path, 0, nil, "bad target %q (want worker-N with N from 1, all or controlplane)", name)
		return target{}, false
	}
	t.worker = w
	return t, true
}
