// Package analyze derives a run's result from its history: each
// workload's figures (check.WorkloadFigures), the delivery checks, the
// recovery per fault (check.RecoveryOf), the run's validity and its gates.
// A run writes result.json through it from the history it has just written
// and read back, so that `nngbench analyze DIR` on the same history writes
// the same result.json, byte for byte.
package analyze
