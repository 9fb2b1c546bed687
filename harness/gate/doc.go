// Package gate decides pass or fail from saved results: the gate
// expressions of a scenario file ("reqrep.p99 < 50ms") over one
// result.Result, and the comparison of repeated runs of a candidate with
// those of a baseline. It reads results only, never runs load, so a gate
// can run in CI on saved folders.
//
// # Gate expressions
//
// Parse reads one comparison whose sides are WORKLOAD.FIELD or a number,
// each optionally multiplied by constants; Check reports bad gates of a
// scenario before it runs; Evaluate gives the runner each gate's value and
// verdict for result.json, and Failed how many failed (exit 1).
//
// # Comparing runs
//
// Compare (or CompareDirs) matches runs by scenario and workload name and
// compares p50, p99, p99.9 (corrected latency) and recv_rate across the
// runs of each side with a one-sided Mann-Whitney U test. The p-values are
// Holm-adjusted over every comparison of the gate, so Alpha bounds the
// chance that the whole gate fails a candidate no worse than its baseline;
// a comparison fails when its adjusted p is at most Alpha and the median
// is worse by more than MaxRegression.
//
// Because the exact test's smallest p-value with n runs a side is
// 1/C(2n, n), the runs needed grow slowly with the comparisons (4 per
// workload). At alpha 0.05:
//
//	comparisons  workloads  runs on each side
//	1            -          3
//	2-3          -          4
//	4-12         1-3        5
//	13-46        4-11       6
//	47-171       12-42      7
//	172-643      43-160     8
//
// Fewer, and the gate reports the input as incomparable and says how many
// it needs.
//
// # The ratio interval
//
// Where every run of both sides wrote its histograms (<workload>.hlog
// beside result.json), each latency row also gets an interval of the ratio
// candidate/baseline of that percentile of the runs' merged histograms: a
// hierarchical bootstrap that resamples the runs, then the operations
// within each drawn run (bootstrap.go says why not the operations alone).
// The interval is printed, not deciding: with 5 runs a side a Monte Carlo
// trial of it deciding at alpha/2 (Mann-Whitney at the other alpha/2)
// failed 2 of 20 gates of identical distributions, above alpha.
package gate
