//go:build !race

package scenario_test

// largeScenarioBytes is the size of TestLoadLargeScenario's file: the
// issue's 50 MB.
const largeScenarioBytes = 50_000_000
