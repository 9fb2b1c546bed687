// Package check decides, after a run, whether the system under test did
// what it must while things failed: no message or task lost or done twice,
// every instance on exactly one online node, every worker on the latest
// config. Each check is a result.Check with its counts, so a report shows
// what was compared and not only a verdict.
package check
