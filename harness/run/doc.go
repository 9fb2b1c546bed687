// Package run runs one scenario end to end: it starts the cluster when the
// scenario needs one, drives every workload at once for warmup plus
// duration, applies the fault timeline, and writes what it measured.
//
// A run writes into one folder (Options.Dir; nngbench run uses
// OUT/<scenario>, or OUT/<scenario>/run-01 ... run-K with --repeat K):
//
//	result.json                     the result (harness/result), written last
//	<workload>.hgrm                 latency from the intended send, HdrHistogram percentile format
//	<workload>.uncorrected.hgrm     latency from the actual send
//	<workload>.hlog                 HdrHistogram interval log, one interval per point of the
//	                                series (and again per worker, tagged, in impl mode)
//	report.md, *.png                the report (harness/report), regenerable from result.json
//	cluster/                        configs, logs, ready files and journals of the programs,
//	                                and harness.log, when the scenario needed a cluster
//
// Before it writes anything, a run removes from the folder what an earlier
// one left there: result.json, history, report, every .hgrm, .hlog and
// .png, peers.log, cluster/ and run-NN/ folders; other files stay.
//
// Timing: the load starts once the cluster is online. result.json's
// started_at is the start of the measured window (the end of warmup),
// which the fault timeline counts its at from; each workload's own window
// starts a few milliseconds later, once its sockets are connected.
//
// Sweep runs a scenario's sweep, one Run per point: worker counts
// (workers-N), fixed rates (rate-R) or a search for the highest rate each
// swept workload sustains within its SLO (step-NN: doubling, then
// bisection, at most max_steps runs), each point repeated K times
// (run-01 ... run-K) if asked; then the sweep's sweep.md and charts, and
// for rates sweep.json with every point's verdict and each knee.
//
// Interrupting a run (cancelling its context) stops the load, heals the
// faults, stops every process of the cluster and still writes result.json
// and the report, marked invalid, with what was measured until then.
package run
