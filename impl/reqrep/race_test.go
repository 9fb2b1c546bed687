//go:build race

package reqrep_test

// raceOn: under the race detector the in-process flood test shares two
// cores with a flood it slows about tenfold (see TestUnreadFloodStallsNobody).
const raceOn = true
