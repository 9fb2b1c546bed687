//go:build race

package scenario_test

// largeScenarioBytes is the size of TestLoadLargeScenario's file: under the
// race detector, which multiplies time and memory several times over, a
// 25th of the 50 MB.
const largeScenarioBytes = 2_000_000
