package load

import (
	"time"

	"github.com/nngbench/nngbench/harness/record"
)

// Outcome is what one Run measured, merged over its goroutines.
type Outcome struct {
	Spec               Spec // with defaults filled in
	Start, Window, End time.Time
	Send               *record.Recorder // sends: counts, bytes, generator lag; Planned = Spec.Rate
	Recv               *record.Recorder // receipts (replies, for reqrep): latency corrected and not, Lost
	Last               *record.Recorder // fan-out only (pubsub, bus, survey): per message, until the last live peer had it
	Loss               Loss             // totals, from the stamps
	Peers              []PeerLoss       // per receiver (for reqrep: per requesting goroutine; survey: per respondent)
	Survey             SurveyCount      // survey only: the share of answers owed that came in time
	senders            []*sender
	boxes              []*inbox
	killed             []bool
	each               bool

	ByPeer map[string]*record.Recorder // impl mode: receipts per worker
}

// assemble starts an Outcome from the senders' recorders; receivers are added with addReceiver.
func assemble(spec Spec, c record.Timeline, senders []*sender, each bool) *Outcome {
	o := &Outcome{Spec: spec, Start: c.Start, Window: c.Window, End: c.End, senders: senders, each: each,
		Send: record.New(record.Options{Start: c.Window}), Recv: record.New(record.Options{Start: c.Window})}
	for _, s := range senders {
		_ = o.Send.Merge(s.rec) // cannot fail: every recorder of a run has the default scale
	}
	return o
}

func (o *Outcome) addReceiver(rec *record.Recorder, box *inbox, killed bool) {
	_ = o.Recv.Merge(rec) // cannot fail: same scale
	o.boxes = append(o.boxes, box)
	o.killed = append(o.killed, killed)
}

// Combined returns one recorder holding both sides, for a Snapshot with sent and received.
func (o *Outcome) Combined() *record.Recorder {
	r := record.New(record.Options{Start: o.Window})
	_ = r.Merge(o.Send) // cannot fail: same scale
	_ = r.Merge(o.Recv)
	return r
}

// finish counts loss from the stamps, reports the window's share of it to Recv, and, for
// fan-out, takes time-to-last per message.
func (o *Outcome) finish() {
	var sent []sentRec
	for _, s := range o.senders {
		sent = s.log.appendTo(sent)
	}
	o.Loss, o.Peers = account(sent, o.boxes, o.each)
	bySeq := make(map[uint64]sentRec, len(sent))
	for _, s := range sent {
		bySeq[s.seq] = s
	}
	lost := int64(0)
	for _, q := range o.Loss.Missing {
		if bySeq[q].intended >= o.Window.UnixNano() { // Recorder.Lost takes only the window's messages
			lost++
		}
	}
	o.Recv.Lost(lost)
	if o.each {
		o.Last = o.timeToLast(sent)
	}
}

// timeToLast records, for every message each live peer received, the time until the last of
// them had it. Messages some live peer missed are in Loss instead.
func (o *Outcome) timeToLast(sent []sentRec) *record.Recorder {
	r := record.New(record.Options{Start: o.Window})
	for _, s := range sent {
		var last time.Time
		all := true
		for i, b := range o.boxes {
			if o.killed[i] {
				continue
			}
			at, ok := b.first[s.seq]
			if !ok {
				all = false
				break
			}
			if at.After(last) {
				last = at
			}
		}
		if all && !last.IsZero() {
			r.Received(time.Unix(0, s.intended), time.Unix(0, s.actual), last, 0)
		}
	}
	return r
}
