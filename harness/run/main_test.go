package run_test

import (
	"testing"

	"github.com/nngbench/nngbench/internal/testbin"
)

// binDir holds cmd/worker and cmd/controlplane, built once by TestMain, for
// the runs that start a cluster.
var binDir string

func TestMain(m *testing.M) { testbin.Main(m, &binDir, "worker", "controlplane") }
