package config_test

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// rusageEnv makes the test binary a small parent that runs one program and
// prints its exit code and peak memory (see runProgram).
const rusageEnv = "CONFIG_TEST_RUSAGE_OF"

func TestMain(m *testing.M) {
	if prog := os.Getenv(rusageEnv); prog != "" {
		os.Exit(reportRusage(prog, os.Args[1:]))
	}
	goleak.VerifyTestMain(m)
}

// reportRusage runs prog with args, its stderr passed through, and prints
// "EXIT MAXRSS_KIB WALL_NS", the wall time from start to exit. Linux gives a child started with vfork, as Go starts
// them, a peak memory of at least its parent's, so a parent as small as
// this one makes the figure the child's own (or this process's few MB).
func reportRusage(prog string, args []string) int {
	cmd := exec.Command(prog, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "no rusage")
		return 1
	}
	fmt.Printf("%d %d %d\n", cmd.ProcessState.ExitCode(), ru.Maxrss, wall.Nanoseconds()) // Maxrss is in KiB on Linux
	return 0
}
