// Package engine is what every load driver shares, raw or impl: the spec
// of a workload's load (rate, sizes, timing, seed), the pacer that
// schedules an open loop, the one loop that hands the drivers' workers
// their messages on that schedule (or as fast as they go, closed loop),
// and the stamp raw messages carry. Drivers record what they did into a
// history.Ledger; package check derives the figures from it.
package engine
