// Package history is a run's record of every operation: each send with
// when it was due and when it went, each receipt with where and when it
// came, each failure, in one timeline with the faults' real start and end
// and what the cluster did. Every figure of result.json is derived from
// it (package check), during the run and again by `nngbench analyze`,
// which reads it back from FileName beside result.json.
//
// Drivers record into a Ledger as they run: a Tape per goroutine, no lock
// on the hot path, no pointer in an Op. codec.go documents the file.
package history
