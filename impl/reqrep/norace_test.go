//go:build !race

package reqrep_test

const raceOn = false
