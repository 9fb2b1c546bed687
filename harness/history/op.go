package history

// Kind says what an Op records.
type Kind uint8

// Kinds of Op.
const (
	// Send is an attempt handed to the system under test: T1 is when it
	// was due (the schedule's intended send), T2 when it was handed over.
	// A closed loop has no schedule: T1 = T2.
	Send Kind = iota + 1
	// Receipt is a copy of a message (a reply, a delivery, a result)
	// received at Peer at T1. T2 is a second time some patterns have
	// (pushpull: when the worker started the task), else 0.
	Receipt
	// Fail is an attempt that failed: Outcome says how (a timeout, an
	// error reply, a send the socket refused). T1 is when that was known,
	// T2 when the attempt was due. A send that failed has no Send op: its
	// Fail stands for it, with T1 as the attempt.
	Fail
)

// Outcome is how an attempt ended, or what a receipt said.
type Outcome uint8

// Outcomes.
const (
	OK      Outcome = iota // a receipt, or a send handed over
	Error                  // an error reply, a failed send, an undecodable payload
	Timeout                // no reply in time
)

// Flags qualify a receipt.
const (
	// FlagSnapshot marks a pub/sub receipt that came by a snapshot the
	// worker fetched, not by the broadcast: it counts for the time until
	// every worker had a version, not as a delivery.
	FlagSnapshot uint8 = 1 << iota
	// FlagReplayed marks a task result a worker answered from its record
	// of an earlier execution: a delivery, not an execution.
	FlagReplayed
	// FlagForeign marks a receipt that was not a message of the run (a
	// payload without a stamp, an answer to another survey): an error.
	FlagForeign
)

// NoPeer is Op.Peer of an op that concerns no one peer: a send owed to any
// or to every peer.
const NoPeer int32 = -1

// Op is one record of a workload's history: a send, a receipt or a
// failure. Times are unix nanoseconds: a history of millions holds no
// pointer, so the garbage collector never scans it.
//
// A receipt is matched to its send by (Sender, Seq), never by its place
// among the receipts, so that a receiver that restarts and numbers its
// receipts anew cannot shift what it is said to have missed.
//
// The fields are ordered widest first: 40 bytes an op in memory, not 48.
type Op struct {
	Seq     uint64 // unique per sender within the workload
	T1, T2  int64  // unix ns; see Kind
	Peer    int32  // the peer it went to or came from; NoPeer
	Sender  uint32 // the sending goroutine (raw) or 0
	Bytes   uint32 // payload bytes
	Kind    Kind
	Outcome Outcome
	Flags   uint8
}

// SendOp is a send of (sender, seq) to peer, due at intended and handed
// over at actual.
func SendOp(sender uint32, seq uint64, peer int32, intended, actual int64, bytes int) Op {
	return Op{Kind: Send, Peer: peer, Sender: sender, Seq: seq, T1: intended, T2: actual, Bytes: clampBytes(bytes)}
}

// ReceiptOp is a receipt of (sender, seq) at peer, at at.
func ReceiptOp(sender uint32, seq uint64, peer int32, at int64, bytes int) Op {
	return Op{Kind: Receipt, Peer: peer, Sender: sender, Seq: seq, T1: at, Bytes: clampBytes(bytes)}
}

// FailOp is the failure of (sender, seq) at peer, due at intended and
// known at at.
func FailOp(sender uint32, seq uint64, peer int32, intended, at int64, o Outcome) Op {
	return Op{Kind: Fail, Outcome: o, Peer: peer, Sender: sender, Seq: seq, T1: at, T2: intended}
}

// ForeignOp is the receipt at peer, at at, of a payload that was no
// message of the run (no stamp): an error.
func ForeignOp(peer int32, at int64) Op {
	return Op{Kind: Receipt, Outcome: Error, Flags: FlagForeign, Peer: peer, T1: at}
}

func clampBytes(n int) uint32 {
	switch {
	case n < 0:
		return 0
	case int64(n) > int64(^uint32(0)):
		return ^uint32(0)
	}
	return uint32(n)
}
