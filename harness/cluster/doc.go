// Package cluster starts what a scenario runs against: toxiproxy (embedded
// or external), a control plane (embedded through impl/controlplane, or the
// cmd/controlplane program) and N cmd/worker processes, each of whose five
// links (api.Links) runs through its own toxiproxy proxy named
// "worker-N.<link>" (worker-2.commands), so that faults can be injected per worker and link.
//
// It drives impl only through its public Go API and real processes. Close
// (or cancelling the context given to Start) removes every proxy and stops
// every process it started.
package cluster
