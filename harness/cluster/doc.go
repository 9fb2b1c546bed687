// Package cluster starts what a scenario runs against: toxiproxy (embedded
// or external), a control plane (embedded through impl/controlplane, or the
// cmd/controlplane program) and N workers, over one transport
// (Options.Transport):
//
//   - tcp and tls+tcp: N cmd/worker processes, each of whose six links
//     (api.Links) runs through its own toxiproxy proxy named
//     "worker-N.<link>" (worker-2.commands), so that faults can be injected
//     per worker and link. With tls+tcp every link is mutual TLS with a
//     throwaway CA (certificates under Dir/tls); toxiproxy forwards the
//     encrypted bytes.
//   - ipc: N worker processes on Unix sockets, no proxies.
//   - inproc: N workers as goroutines of this process (impl/worker), every
//     link in memory: no proxies, no processes.
//
// It drives impl only through its public Go API and real processes. Close
// (or cancelling the context given to Start) removes every proxy and stops
// every worker it started.
package cluster
