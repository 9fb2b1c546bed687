package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// playNngbench, set in the environment, makes the test binary run as
// nngbench: raw runs start their peers as this very program (nngbench
// peer), which in the tests that call run() is the test binary.
const playNngbench = "NNGBENCH_TEST_PLAY_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(playNngbench) != "" {
		os.Exit(run(os.Args[1:]))
	}
	if err := os.Setenv(playNngbench, "1"); err != nil {
		panic(err)
	}
	goleak.VerifyTestMain(m)
}
