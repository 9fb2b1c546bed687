package peer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nngbench/nngbench/harness/engine"
)

// The peer protocol, between a run and the peer processes it starts (`nngbench peer`).
//
// The run writes commands to the peer's stdin, one per line: "count" (answer how many messages
// arrived so far), "hang" (stop reading, keep the socket open), "close" (close the socket, as a
// crash would), "stop" (close the socket, report, exit). End of input means "stop".
//
// The peer writes events to its stdout, one JSON object per line: {"event":"ready"} once its
// socket is attached to the hub, {"event":"count","count":N} for each "count", and last
// {"event":"report",...} (peerReport), followed by the raw bytes of its arrival logs' blocks,
// one after the other, their sizes as listed in the report.
//
// An arrival log is what the peer received, in order of arrival, in blocks that each decode on
// their own (every delta starts from zero at a block's start): per message six varints, the
// first and last unsigned, the others zig-zag signed: sender; sequence minus the previous
// message's; intended send time minus the previous message's (unix ns); actual minus intended
// send; arrival minus actual send (ns, same machine, same clock); payload bytes.
// Deltas keep it at a few bytes a message. The run replays it into one Recorder and ledger inbox
// per peer process, the same calls an in-process receiver makes, then merges them.

// Peer commands.
const (
	cmdCount = "count"
	cmdHang  = "hang"
	cmdClose = "close"
	cmdStop  = "stop"
)

// Peer events.
const (
	evReady  = "ready"
	evCount  = "count"
	evReport = "report"
)

// peerEvent is one line a peer writes.
type peerEvent struct {
	Event  string      `json:"event"`
	Count  int64       `json:"count,omitempty"`
	Report *peerReport `json:"report,omitempty"`
}

// peerReport is what a peer measured: its arrival logs follow the line, Blocks[i] bytes each.
type peerReport struct {
	Peer     int     `json:"peer"`
	Arrivals int64   `json:"arrivals"` // messages in the logs
	Errors   int64   `json:"errors"`   // payloads without a stamp, and failed echoes
	Blocks   []int64 `json:"blocks"`   // sizes of the arrival logs, in bytes
}

// maxLogBlock bounds one arrival log a run accepts: a corrupt size must not make it allocate
// without limit. 1 GiB is some 50 million messages.
const maxLogBlock = 1 << 30

// ErrLog is wrapped by errors decoding an arrival log.
var ErrLog = errors.New("peer: bad arrival log")

// arrival is one message a peer received.
type arrival struct {
	sender               uint32
	seq                  uint64
	intended, actual, at int64 // unix ns
	bytes                int
}

// logBlock is the size of one block of an arrival log: some thousands of messages.
const logBlock = 64 << 10

// maxArrival is the most bytes one encoded arrival takes.
const maxArrival = 6 * binary.MaxVarintLen64

// arrivalLog encodes arrivals as they come, in blocks of logBlock bytes that each decode on their
// own (deltas start again at zero), so that growing it never copies what is logged already.
// One per receiving goroutine: not safe for concurrent use.
type arrivalLog struct {
	blocks [][]byte
	n      int64
	prev   arrival
}

// add appends one arrival.
func (l *arrivalLog) add(a arrival) {
	if len(l.blocks) == 0 || len(l.blocks[len(l.blocks)-1])+maxArrival > logBlock {
		l.blocks = append(l.blocks, make([]byte, 0, logBlock))
		l.prev = arrival{}
	}
	last := &l.blocks[len(l.blocks)-1]
	b := binary.AppendUvarint(*last, uint64(a.sender))  // room for all six is ensured: no copy
	b = binary.AppendVarint(b, int64(a.seq-l.prev.seq)) //nolint:gosec // a wrapping difference, undone on decode
	b = binary.AppendVarint(b, a.intended-l.prev.intended)
	b = binary.AppendVarint(b, a.actual-a.intended)
	b = binary.AppendVarint(b, a.at-a.actual)
	*last = binary.AppendUvarint(b, uint64(a.bytes)) //nolint:gosec // a length, never negative
	l.prev = a
	l.n++
}

// decodeArrivals calls each for every arrival in block b, in order.
func decodeArrivals(b []byte, each func(arrival)) error {
	var prev arrival
	for n := 0; len(b) > 0; n++ {
		var v [6]uint64
		for i := range v {
			var k int
			if i == 0 || i == 5 {
				v[i], k = binary.Uvarint(b)
			} else {
				var s int64
				s, k = binary.Varint(b)
				v[i] = uint64(s) //nolint:gosec // reinterpreted below
			}
			if k <= 0 {
				return fmt.Errorf("%w: arrival %d, field %d", ErrLog, n, i)
			}
			b = b[k:]
		}
		if v[0] > uint64(^uint32(0)) || v[5] > maxLogBlock {
			return fmt.Errorf("%w: arrival %d: sender %d, %d bytes", ErrLog, n, v[0], v[5])
		}
		a := arrival{sender: uint32(v[0]), seq: prev.seq + v[1], intended: prev.intended + int64(v[2])} //nolint:gosec // see arrivalLog.add
		a.actual = a.intended + int64(v[3])                                                             //nolint:gosec // signed delta
		a.at = a.actual + int64(v[4])                                                                   //nolint:gosec // signed delta
		a.bytes = int(v[5])
		each(a)
		prev = a
	}
	return nil
}

// stamp is the arrival's message stamp, as its sender wrote it.
func (a arrival) stamp() engine.Stamp {
	return engine.Stamp{Sender: a.sender, Seq: a.seq, Intended: time.Unix(0, a.intended), Actual: time.Unix(0, a.actual)}
}
