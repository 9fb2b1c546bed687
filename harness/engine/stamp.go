package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// StampSize is the length of the header every message carries at the front of its payload.
const StampSize = 32

// stampMagic is "NNB" and the format version (1): a payload that does not start with it was not
// written by this package, so no figure is taken from it.
const stampMagic uint32 = 0x4e4e4201

// Sentinels of ParseStamp, to test with errors.Is.
var (
	ErrShortPayload   = errors.New("engine: payload shorter than a stamp")
	ErrForeignPayload = errors.New("engine: payload does not start with an nngbench stamp")
)

// Stamp is what a message says about itself: who sent it, its place in the sender's schedule, and
// when it was due and actually sent. Latency, loss, duplication and reordering all come from it.
type Stamp struct {
	Sender   uint32    // worker that sent it
	Seq      uint64    // unique within a run; open loop: its index in the schedule
	Intended time.Time // when the schedule wanted it sent (closed loop: = Actual)
	Actual   time.Time // when it was handed to the socket
}

// Put writes s into the first StampSize bytes of b: magic/version (4), sender (4), sequence (8),
// intended (8) and actual (8) send times in unix nanoseconds, all big-endian.
func (s Stamp) Put(b []byte) error {
	if len(b) < StampSize {
		return fmt.Errorf("%w: %d bytes, need %d", ErrShortPayload, len(b), StampSize)
	}
	binary.BigEndian.PutUint32(b[0:], stampMagic)
	binary.BigEndian.PutUint32(b[4:], s.Sender)
	binary.BigEndian.PutUint64(b[8:], s.Seq)
	binary.BigEndian.PutUint64(b[16:], uint64(s.Intended.UnixNano()))
	binary.BigEndian.PutUint64(b[24:], uint64(s.Actual.UnixNano()))
	return nil
}

// ParseStamp reads the stamp at the front of b.
func ParseStamp(b []byte) (Stamp, error) {
	if len(b) < StampSize {
		return Stamp{}, fmt.Errorf("%w: %d bytes, need %d", ErrShortPayload, len(b), StampSize)
	}
	if m := binary.BigEndian.Uint32(b); m != stampMagic {
		return Stamp{}, fmt.Errorf("%w: magic %#08x, want %#08x", ErrForeignPayload, m, stampMagic)
	}
	return Stamp{
		Sender:   binary.BigEndian.Uint32(b[4:]),
		Seq:      binary.BigEndian.Uint64(b[8:]),
		Intended: time.Unix(0, int64(binary.BigEndian.Uint64(b[16:]))),
		Actual:   time.Unix(0, int64(binary.BigEndian.Uint64(b[24:]))),
	}, nil
}
