//go:build race

package transport_test

// raceOn: the race detector's shadow memory inflates resident memory about
// threefold, so resident figures are only checked without it.
const raceOn = true
