// Package e2e tests the control plane and workers as an operator runs them:
// real processes built from cmd/, talking over loopback tcp, killed with
// SIGKILL and restarted. It has no code of its own.
package e2e
