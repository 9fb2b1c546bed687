// Package fault injects the faults of a scenario's timeline into a running
// cluster and heals them: toxiproxy toxics on links, partitions, and
// signals to processes (kill, pause, restart).
//
// Each kind of fault is an Injector, a plug-in with one required method,
// in its own file; a Registry maps kinds to injectors and is built
// explicitly (NewRegistry), never by init(). A Timeline applies faults at
// their planned times, heals them, and records when each really started
// and ended.
package fault
