// Package gate decides pass or fail from saved results: the gate
// expressions of a scenario file ("reqrep.p99 < 50ms") over one
// result.Result, and the comparison of repeated runs of a candidate with
// those of a baseline (Mann-Whitney U over the runs, Holm-corrected over
// every comparison, failing only where a regression is both significant and
// larger than the allowed margin). It reads results only, never runs load,
// so a gate can run in CI on saved folders.
package gate
