package implload_test

import (
	"testing"

	"github.com/nngbench/nngbench/internal/testbin"
)

// binDir holds cmd/controlplane and cmd/worker, built once by TestMain.
var binDir string

func TestMain(m *testing.M) { testbin.Main(m, &binDir, "controlplane", "worker") }
