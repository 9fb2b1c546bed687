package scenario

// Transport is the mangos transport every socket of the run uses.
type Transport string

// The transports.
const (
	TransportTCP    Transport = "tcp"
	TransportTLSTCP Transport = "tls+tcp"
	TransportIPC    Transport = "ipc"
	TransportInproc Transport = "inproc" // one process: no worker processes, no proxied links
)

// ParseTransport reads a transport as written in a scenario file; the error
// wraps ErrUnknownTransport.
func ParseTransport(s string) (Transport, error) {
	return parseEnum(s, ErrUnknownTransport, TransportTCP, TransportTLSTCP, TransportIPC, TransportInproc)
}

func (t Transport) String() string { return string(t) }

// Pattern is a messaging pattern a workload drives.
type Pattern string

// The patterns. Heartbeat is impl/'s own protocol rather than a mangos one.
const (
	PatternReqRep    Pattern = "reqrep"
	PatternPubSub    Pattern = "pubsub"
	PatternPushPull  Pattern = "pushpull"
	PatternSurvey    Pattern = "survey"
	PatternBus       Pattern = "bus"
	PatternPair      Pattern = "pair"
	PatternHeartbeat Pattern = "heartbeat"
)

// ParsePattern reads a pattern; the error wraps ErrUnknownPattern.
func ParsePattern(s string) (Pattern, error) {
	return parseEnum(s, ErrUnknownPattern, PatternReqRep, PatternPubSub, PatternPushPull,
		PatternSurvey, PatternBus, PatternPair, PatternHeartbeat)
}

func (p Pattern) String() string { return string(p) }

// Mode says whether a workload goes through impl/ or straight to mangos
// sockets.
type Mode string

// The modes.
const (
	ModeImpl Mode = "impl" // through impl/'s services, as a deployment would
	ModeRaw  Mode = "raw"  // bare mangos sockets: the baseline impl/ is measured against
)

// ParseMode reads a mode; the error wraps ErrUnknownMode.
func ParseMode(s string) (Mode, error) { return parseEnum(s, ErrUnknownMode, ModeImpl, ModeRaw) }

func (m Mode) String() string { return string(m) }

// FaultKind is what a fault does: a toxiproxy toxic on links, or something
// done to processes or to the network between them.
type FaultKind string

// The fault kinds. The first seven are toxiproxy toxics of the same name.
const (
	FaultLatency   FaultKind = "latency"
	FaultBandwidth FaultKind = "bandwidth"
	FaultSlowClose FaultKind = "slow_close"
	FaultTimeout   FaultKind = "timeout"
	FaultResetPeer FaultKind = "reset_peer"
	FaultSlicer    FaultKind = "slicer"
	FaultLimitData FaultKind = "limit_data"
	FaultPartition FaultKind = "partition" // cut links entirely for a while
	FaultKill      FaultKind = "kill"      // SIGKILL the process
	FaultPause     FaultKind = "pause"     // SIGSTOP, then SIGCONT when the fault ends
	FaultRestart   FaultKind = "restart"   // stop the process gracefully and start it again
)

// ParseFaultKind reads a fault kind; the error wraps ErrUnknownFaultKind.
func ParseFaultKind(s string) (FaultKind, error) {
	return parseEnum(s, ErrUnknownFaultKind, FaultLatency, FaultBandwidth, FaultSlowClose,
		FaultTimeout, FaultResetPeer, FaultSlicer, FaultLimitData, FaultPartition, FaultKill,
		FaultPause, FaultRestart)
}

func (k FaultKind) String() string { return string(k) }

// IsToxic reports whether the fault is a toxiproxy toxic.
func (k FaultKind) IsToxic() bool {
	switch k {
	case FaultLatency, FaultBandwidth, FaultSlowClose, FaultTimeout, FaultResetPeer, FaultSlicer, FaultLimitData:
		return true
	default:
		return false
	}
}

// Toxic returns toxiproxy's name for the toxic, or "" if the kind is not one.
func (k FaultKind) Toxic() string {
	if !k.IsToxic() {
		return ""
	}
	return string(k) // our names are toxiproxy's, so that its docs apply
}

// Link is one kind of connection between the control plane and a worker;
// each runs through its own proxy, so a fault can hit one and spare others.
type Link string

// The links. The zero Link means every link.
const (
	LinkCommands   Link = "commands"
	LinkHeartbeats Link = "heartbeats"
	LinkBroadcasts Link = "broadcasts"
	LinkTasks      Link = "tasks"
	LinkResults    Link = "results"
	LinkSurveys    Link = "surveys"
)

// ControlPlaneMode says where the control plane runs.
type ControlPlaneMode string

// The modes. The zero mode is embedded.
const (
	// ControlPlaneEmbedded runs it in the harness, through its Go API,
	// which every impl workload can drive.
	ControlPlaneEmbedded ControlPlaneMode = "embedded"
	// ControlPlaneProcess runs cmd/controlplane, which faults can kill,
	// pause and restart; only reqrep reaches the workers without it.
	ControlPlaneProcess ControlPlaneMode = "process"
)

// ParseControlPlaneMode reads a mode; the error wraps ErrUnknownCPMode.
func ParseControlPlaneMode(s string) (ControlPlaneMode, error) {
	return parseEnum(s, ErrUnknownCPMode, ControlPlaneEmbedded, ControlPlaneProcess)
}

// ParseLink reads a link; the error wraps ErrUnknownLink.
func ParseLink(s string) (Link, error) {
	return parseEnum(s, ErrUnknownLink, LinkCommands, LinkHeartbeats, LinkBroadcasts, LinkTasks, LinkResults, LinkSurveys)
}

func (l Link) String() string { return string(l) }

// Direction is the way data flows through a proxied link, in toxiproxy's
// sense: upstream is client to server.
type Direction string

// The directions.
const (
	DirectionUpstream   Direction = "upstream"
	DirectionDownstream Direction = "downstream"
	DirectionBoth       Direction = "both"
)

// ParseDirection reads a direction; the error wraps ErrUnknownDirection.
func ParseDirection(s string) (Direction, error) {
	return parseEnum(s, ErrUnknownDirection, DirectionUpstream, DirectionDownstream, DirectionBoth)
}

func (d Direction) String() string { return string(d) }

// The tasks a pushpull workload can ask workers to do.
const (
	TaskEcho  = "echo"
	TaskSleep = "sleep"
	TaskHash  = "hash"
)

// parseTask checks a task name; Workload.Task stays a plain string.
func parseTask(s string) (string, error) {
	return parseEnum(s, ErrUnknownTask, TaskEcho, TaskSleep, TaskHash)
}

// parseEnum matches s exactly: YAML is case-sensitive, and one spelling per
// value keeps scenario files greppable.
func parseEnum[T ~string](s string, kind sentinel, all ...T) (T, error) {
	for _, v := range all {
		if string(v) == s {
			return v, nil
		}
	}
	want := make([]string, len(all)) // only on the way out: a hit allocates nothing
	for i, v := range all {
		want[i] = string(v)
	}
	return "", &enumError{kind: kind, value: s, want: want}
}
