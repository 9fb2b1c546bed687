// Package peer is the peer-process protocol of raw mode: `nngbench peer`
// runs one receiving peer (Serve) in a process of its own, as a separate
// machine would, and a run starts, commands and reads back its peers
// (Procs, Start) over their stdin and stdout. wire.go documents the
// protocol and the arrival log a peer reports; the run replays it into
// the history as receipts (Report.Replay).
package peer
