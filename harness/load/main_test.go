package load_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a run leaves a goroutine behind: every sender, receiver, echo
// and pacer must end with Run.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
