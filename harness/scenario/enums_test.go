package scenario_test

import (
	"errors"
	"testing"

	"github.com/nngbench/nngbench/harness/scenario"
)

// checkEnum fails unless every good spelling parses to itself and prints
// back the same, and every near miss is refused with the enum's sentinel.
func checkEnum[T interface {
	~string
	String() string
}](t *testing.T, parse func(string) (T, error), good, bad []string, sentinel error) {
	t.Helper()
	for _, s := range good {
		if v, err := parse(s); err != nil || v.String() != s {
			t.Errorf("%q: got %q, %v", s, v, err)
		}
	}
	for _, s := range bad {
		if _, err := parse(s); !errors.Is(err, sentinel) {
			t.Errorf("%q: got %v, want %v", s, err, sentinel)
		}
	}
}

// TestParseEnums pins each enum's spellings; wrong case and the empty
// string are near misses, since YAML keys and values are case-sensitive.
func TestParseEnums(t *testing.T) {
	t.Parallel()
	checkEnum(t, scenario.ParseTransport, []string{"tcp", "tls+tcp", "ipc", "inproc"},
		[]string{"TCP", "tls", ""}, scenario.ErrUnknownTransport)
	checkEnum(t, scenario.ParsePattern, []string{"reqrep", "pubsub", "pushpull", "survey", "bus", "pair", "heartbeat"},
		[]string{"req", "Bus", ""}, scenario.ErrUnknownPattern)
	checkEnum(t, scenario.ParseMode, []string{"impl", "raw"}, []string{"RAW", ""}, scenario.ErrUnknownMode)
	checkEnum(t, scenario.ParseFaultKind, []string{"latency", "bandwidth", "slow_close", "timeout", "reset_peer",
		"slicer", "limit_data", "partition", "kill", "pause", "restart"},
		[]string{"slow-close", "drop", ""}, scenario.ErrUnknownFaultKind)
	checkEnum(t, scenario.ParseLink, []string{"commands", "heartbeats", "broadcasts", "tasks", "results"},
		[]string{"command", ""}, scenario.ErrUnknownLink)
	checkEnum(t, scenario.ParseDirection, []string{"upstream", "downstream", "both"},
		[]string{"up", ""}, scenario.ErrUnknownDirection)
}

// TestParseTaskSentinel pins that a bad task in a file is found with
// errors.Is, like the enums that have a ParseX.
func TestParseTaskSentinel(t *testing.T) {
	t.Parallel()
	_, err := scenario.Parse("t.yaml", []byte("name: t\nduration: 1s\nworkloads:\n  - {pattern: pushpull, rate: 1/s, task: nap}\n"))
	want := `t.yaml:4: workloads[0].task: unknown task "nap" (want echo, sleep or hash)`
	if err == nil || err.Error() != want || !errors.Is(err, scenario.ErrUnknownTask) {
		t.Errorf("got %v, want %s wrapping ErrUnknownTask", err, want)
	}
}

// TestFaultKindToxic pins which kinds are toxiproxy toxics, and their
// names there.
func TestFaultKindToxic(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		kind  scenario.FaultKind
		toxic string
	}{
		{scenario.FaultLatency, "latency"}, {scenario.FaultBandwidth, "bandwidth"},
		{scenario.FaultSlowClose, "slow_close"}, {scenario.FaultTimeout, "timeout"},
		{scenario.FaultResetPeer, "reset_peer"}, {scenario.FaultSlicer, "slicer"},
		{scenario.FaultLimitData, "limit_data"}, {scenario.FaultPartition, ""},
		{scenario.FaultKill, ""}, {scenario.FaultPause, ""}, {scenario.FaultRestart, ""},
	} {
		if got := c.kind.Toxic(); got != c.toxic {
			t.Errorf("%s.Toxic() = %q, want %q", c.kind, got, c.toxic)
		}
		if got := c.kind.IsToxic(); got != (c.toxic != "") {
			t.Errorf("%s.IsToxic() = %v", c.kind, got)
		}
	}
}
