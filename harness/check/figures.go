package check

import (
	"cmp"
	"slices"
	"time"

	"github.com/nngbench/nngbench/harness/history"
	"github.com/nngbench/nngbench/harness/record"
	"github.com/nngbench/nngbench/harness/result"
)

// Loss counts, from a workload's history, what its receivers were owed and
// did not get. Sent and Missing cover the whole run, warmup included.
type Loss struct {
	Sent       int64    // messages handed to the system
	Received   int64    // distinct messages received (summed over receivers that each should have all)
	Lost       int64    // owed but never received
	Duplicated int64    // extra copies (tasks: executions beyond a task's first)
	Reordered  int64    // arrivals overtaken by a later sequence of the same sender
	Missing    []uint64 // the lost sequences, ascending; fan-out: once per peer that missed it
}

// PeerLoss is one receiver's share of Loss. Missing is per peer only when
// a message is owed to that peer (one or each); when any one peer will do,
// loss is only in the total.
type PeerLoss struct {
	Peer int
	Loss
}

// SurveyCount is how much of a survey workload was answered, over the
// measured window. Zero for the other patterns.
type SurveyCount struct {
	Surveys  int64   // surveys sent
	Replies  int64   // answers in before their survey's deadline, at most one per peer and survey
	Expected int64   // Surveys x peers: one answer per peer and survey
	Share    float64 // Replies / Expected; 0 when nothing was expected
}

// Figures is what one workload's history says: the recorders behind its
// latency, rates and time series, and its delivery.
type Figures struct {
	Send   *record.Recorder // sends: counts, bytes, generator lag; Planned is the workload's rate
	Recv   *record.Recorder // receipts: latency corrected and not, errors, timeouts, lost
	Last   *record.Recorder // time-to-last (history.Workload.Last); nil without
	Loss   Loss
	Peers  []PeerLoss
	Survey SurveyCount
	ByPeer map[string]*record.Recorder // impl mode: receipts per peer, by name
}

// Combined returns one recorder holding both sides, for a Snapshot with
// sent and received.
func (f *Figures) Combined() *record.Recorder {
	r := record.New(f.Recv.Options())
	_ = r.Merge(f.Send) // cannot fail: every recorder of a workload has one scale
	_ = r.Merge(f.Recv)
	return r
}

type msgKey struct {
	sender uint32
	seq    uint64
}

// figures is WorkloadFigures' working state.
type figures struct {
	w      history.Workload
	window int64
	closed bool
	sends  []history.Op // in tape order
	index  map[msgKey]int
	out    Figures
}

// WorkloadFigures derives w's figures from its tapes. A message counts in
// the measured window when it was sent in it (actual send at or after
// w.Window), whatever its intended time: a generator behind its schedule
// still shows what it sent and how late, and the figure never says
// "sent 0" of a window in which messages went out. A receipt is matched
// to its send by sender and sequence.
func WorkloadFigures(w history.Workload, tapes [][]history.Op) Figures {
	f := &figures{w: w, window: w.Window.UnixNano(), closed: w.PlannedRate == 0, index: map[msgKey]int{}}
	opts := record.Options{Start: w.Window, Interval: w.Interval}
	f.out = Figures{
		Send: record.New(record.Options{Start: w.Window, Interval: w.Interval, Planned: w.PlannedRate}),
		Recv: record.New(opts),
	}
	if w.Mode == "impl" {
		f.out.ByPeer = map[string]*record.Recorder{}
		for _, p := range w.Peers {
			f.out.ByPeer[p] = record.New(opts)
		}
	}
	for _, tape := range tapes {
		for _, op := range tape {
			if op.Kind != history.Send {
				continue
			}
			k := msgKey{op.Sender, op.Seq}
			if _, dup := f.index[k]; dup {
				continue // one send per message: a second is the driver's mistake, not the system's
			}
			f.index[k] = len(f.sends)
			f.sends = append(f.sends, op)
			f.out.Send.Sent(time.Unix(0, op.T1), time.Unix(0, op.T2), int(op.Bytes))
		}
	}
	f.failures(tapes)
	d := f.deliveries(tapes)
	f.loss(d)
	f.last(d)
	if w.Survey {
		f.survey(d)
	}
	return f.out
}

// inWindow says whether send i went out in the window.
func (f *figures) inWindow(i int) bool { return f.sends[i].T2 >= f.window }

// failures counts the failed attempts: a send that failed on the senders'
// side, a failure after a send (a timeout, an error reply) on the
// receivers'.
func (f *figures) failures(tapes [][]history.Op) {
	for _, tape := range tapes {
		for _, op := range tape {
			if op.Kind != history.Fail {
				continue
			}
			i, sent := f.index[msgKey{op.Sender, op.Seq}]
			switch {
			case !sent:
				if op.T1 >= f.window {
					f.out.Send.Error()
				}
			case !f.inWindow(i):
			case op.Outcome == history.Timeout:
				f.count(op.Peer, (*record.Recorder).Timeout)
			default:
				f.count(op.Peer, (*record.Recorder).Error)
			}
		}
	}
}

// count calls c on the receipts' recorder, and on peer's own.
func (f *figures) count(peer int32, c func(*record.Recorder)) {
	c(f.out.Recv)
	if r := f.byPeer(peer); r != nil {
		c(r)
	}
}

func (f *figures) byPeer(peer int32) *record.Recorder {
	if f.out.ByPeer == nil || peer < 0 || int(peer) >= len(f.w.Peers) {
		return nil
	}
	return f.out.ByPeer[f.w.Peers[peer]]
}

// deliveries is who had each send, and when.
type deliveries struct {
	peers    int
	first    [][]int64 // [peer][send]: first receipt (unix ns), 0 none; OwedEach only
	firstAt  []int64   // [send]: the first receipt anywhere; 0 none
	firstOp  []history.Op
	held     []int32 // [send]: distinct peers that had it
	extra    map[[2]int]bool
	received []int64 // [peer]: distinct messages received
	dups     []int64 // [peer]: copies of a message the peer had already
	reorder  []int64 // [peer]
	execs    []map[int]int
	snaps    [][]history.Op // [peer]: receipts by snapshot (FlagSnapshot)
	had      [][]history.Op // [peer]: first receipts by the message itself, in order
}

// has says whether peer had send i (by the message itself), and when.
func (d *deliveries) has(peer, i int) (int64, bool) {
	if d.first != nil {
		return d.first[peer][i], d.first[peer][i] != 0
	}
	if d.firstAt[i] == 0 {
		return 0, false
	}
	return d.firstAt[i], d.firstOp[i].Peer == int32(peer) || d.extra[[2]int{i, peer}] //nolint:gosec // peer < len(Peers)
}

// deliveries files every receipt: the first copy at each peer is a
// delivery, recorded with its latency from its send's intended time;
// later copies at that peer are duplicates.
func (f *figures) deliveries(tapes [][]history.Op) *deliveries {
	n, peers := len(f.sends), len(f.w.Peers)
	d := &deliveries{peers: peers, firstAt: make([]int64, n), firstOp: make([]history.Op, n), held: make([]int32, n),
		extra: map[[2]int]bool{}, received: make([]int64, peers), dups: make([]int64, peers),
		reorder: make([]int64, peers), snaps: make([][]history.Op, peers), had: make([][]history.Op, peers)}
	if f.w.Owed == history.OwedEach {
		d.first = make([][]int64, peers)
		for p := range d.first {
			d.first[p] = make([]int64, n)
		}
	}
	if f.w.Executions {
		d.execs = make([]map[int]int, peers)
		for p := range d.execs {
			d.execs[p] = map[int]int{}
		}
	}
	top := make([]map[uint32]uint64, peers) // per peer and sender: the highest sequence seen, plus one
	for _, tape := range tapes {
		for _, op := range tape {
			if op.Kind != history.Receipt {
				continue
			}
			f.receipt(d, top, op)
		}
	}
	return d
}

func (f *figures) receipt(d *deliveries, top []map[uint32]uint64, op history.Op) {
	i, sent := f.index[msgKey{op.Sender, op.Seq}]
	p := int(op.Peer)
	switch {
	case op.Flags&history.FlagForeign != 0:
		// Not a message of the run: its sender and sequence may be anyone's
		// (an unstamped payload is 0, 0), so its own time places it.
		if op.T1 >= f.window {
			f.count(op.Peer, (*record.Recorder).Error)
		}
		return
	case !sent || p < 0 || p >= d.peers:
		return // not a message of this workload's sends: nothing is owed for it
	case op.Flags&history.FlagSnapshot != 0:
		d.snaps[p] = append(d.snaps[p], op)
		return
	}
	if d.execs != nil && op.Flags&history.FlagReplayed == 0 {
		d.execs[p][i]++
	}
	if !d.file(i, p, op) {
		d.dups[p]++
		return
	}
	d.received[p]++
	d.had[p] = append(d.had[p], op)
	if f.w.Ordered {
		if top[p] == nil {
			top[p] = map[uint32]uint64{}
		}
		// Each sender takes its sequences in increasing order, so an
		// arrival below its sender's highest is one that was overtaken.
		if op.Seq+1 < top[p][op.Sender] {
			d.reorder[p]++
		} else {
			top[p][op.Sender] = op.Seq + 1
		}
	}
	// A message any one peer will do is timed once, at its first receipt.
	if f.w.Owed == history.OwedAny && d.held[i] > 1 {
		return
	}
	s := f.sends[i]
	f.record(f.out.Recv, s, op.T1, op.Bytes)
	if r := f.byPeer(op.Peer); r != nil {
		f.record(r, s, op.T1, op.Bytes)
	}
	if op.Outcome == history.Error && f.inWindow(i) {
		f.count(op.Peer, (*record.Recorder).Error)
	}
}

// file notes that peer p had send i, and says whether this was its first copy.
func (d *deliveries) file(i, p int, op history.Op) bool {
	if d.first != nil {
		if d.first[p][i] != 0 {
			return false
		}
		d.first[p][i] = max(op.T1, 1)
	}
	if d.firstAt[i] == 0 {
		d.firstAt[i], d.firstOp[i] = max(op.T1, 1), op
		d.held[i] = 1
		return true
	}
	if d.first == nil {
		if int(d.firstOp[i].Peer) == p || d.extra[[2]int{i, p}] {
			return false
		}
		d.extra[[2]int{i, p}] = true
	}
	d.held[i]++
	return true
}

// record records a receipt at at of send s: from its intended send open
// loop, from its actual send with the stall correction closed loop.
func (f *figures) record(r *record.Recorder, s history.Op, at int64, bytes uint32) {
	if f.closed {
		r.ReceivedClosedLoop(time.Unix(0, s.T2), time.Unix(0, at), f.w.ExpectedInterval, int(bytes))
		return
	}
	r.Received(time.Unix(0, s.T1), time.Unix(0, s.T2), time.Unix(0, at), int(bytes))
}

// loss compares what was sent with what the peers had: per peer when each
// message is owed to one peer or to every one, in total when any will do.
func (f *figures) loss(d *deliveries) {
	total := Loss{Sent: int64(len(f.sends))}
	peers := make([]PeerLoss, d.peers)
	for p := range peers {
		peers[p] = PeerLoss{Peer: p, Loss: Loss{Received: d.received[p], Duplicated: d.dups[p], Reordered: d.reorder[p]}}
		if f.w.Owed != history.OwedOne {
			peers[p].Sent = total.Sent
		}
		total.Duplicated += d.dups[p]
		total.Reordered += d.reorder[p]
	}
	var windowLost int64
	missed := func(i, p int) {
		total.Missing = append(total.Missing, f.sends[i].Seq)
		if p >= 0 && p < len(peers) {
			peers[p].Missing = append(peers[p].Missing, f.sends[i].Seq)
		}
		if f.inWindow(i) {
			windowLost++
		}
	}
	for i, s := range f.sends {
		switch f.w.Owed {
		case history.OwedEach:
			for p := range d.peers {
				if d.first[p][i] != 0 {
					total.Received++
				} else {
					missed(i, p)
				}
			}
		case history.OwedAny:
			if d.held[i] == 0 {
				missed(i, -1)
			}
			total.Received += min(int64(d.held[i]), 1)
			total.Duplicated += int64(max(d.held[i]-1, 0))
		default: // OwedOne: the peer it was sent to
			p := int(s.Peer)
			if p >= 0 && p < d.peers {
				peers[p].Sent++
			}
			if _, ok := d.has(p, i); ok && p >= 0 && p < d.peers {
				total.Received++
			} else {
				missed(i, p) // a peer out of range: in the total only
			}
		}
	}
	if d.execs != nil {
		f.executions(d, &total, peers)
	}
	for p := range peers {
		slices.Sort(peers[p].Missing)
		peers[p].Lost = int64(len(peers[p].Missing))
	}
	slices.Sort(total.Missing)
	total.Lost = int64(len(total.Missing))
	f.out.Recv.Lost(windowLost)
	f.out.Loss, f.out.Peers = total, peers
}

// executions counts tasks: a peer received what it executed, and a task
// executed more than once, on one peer or several, is a duplicate.
func (f *figures) executions(d *deliveries, total *Loss, peers []PeerLoss) {
	total.Duplicated = 0
	tasks := map[int]int{}
	for p, ex := range d.execs {
		peers[p].Received, peers[p].Duplicated = int64(len(ex)), 0
		for i, n := range ex {
			peers[p].Duplicated += int64(n - 1)
			tasks[i]++
		}
		total.Duplicated += peers[p].Duplicated
	}
	for _, n := range tasks {
		total.Duplicated += int64(n - 1)
	}
}

// last takes the time-to-last figure.
func (f *figures) last(d *deliveries) {
	switch f.w.Last {
	case history.LastNone:
	case history.LastEach:
		f.out.Last = record.New(record.Options{Start: f.w.Window, Interval: f.w.Interval})
		had := f.hadBy(d)
		for i, s := range f.sends {
			var last int64
			all := true
			for p := range d.peers {
				if slices.Contains(f.w.Killed, p) {
					continue
				}
				at := had[p][i]
				if at == 0 {
					all = false
					break
				}
				last = max(last, at)
			}
			if all && last != 0 {
				f.record(f.out.Last, s, last, 0)
			}
		}
	case history.LastStart:
		f.out.Last = record.New(record.Options{Start: f.w.Window, Interval: f.w.Interval})
		for i, s := range f.sends {
			if d.firstAt[i] != 0 && d.firstOp[i].T2 != 0 {
				f.record(f.out.Last, s, d.firstOp[i].T2, 0)
			}
		}
	}
}

// hadBy is, per peer and send, when the peer first had the message: its
// first copy, or, Cumulative, its first receipt of this sequence or a
// later one, by the message or by a snapshot. 0: never.
func (f *figures) hadBy(d *deliveries) [][]int64 {
	out := make([][]int64, d.peers)
	for p := range out {
		out[p] = make([]int64, len(f.sends))
		if !f.w.Cumulative {
			for i := range f.sends {
				out[p][i], _ = d.has(p, i)
			}
			continue
		}
		got := append(slices.Clone(d.had[p]), d.snaps[p]...)
		slices.SortFunc(got, func(a, b history.Op) int {
			if a.Seq != b.Seq {
				return cmp.Compare(a.Seq, b.Seq)
			}
			return cmp.Compare(a.T1, b.T1)
		})
		order := make([]int, len(f.sends)) // sends by sequence
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(f.sends[a].Seq, f.sends[b].Seq) })
		var earliest int64 // of the receipts at or above the send's sequence
		j := len(got) - 1
		for k := len(order) - 1; k >= 0; k-- {
			i := order[k]
			for ; j >= 0 && got[j].Seq >= f.sends[i].Seq; j-- {
				if earliest == 0 || got[j].T1 < earliest {
					earliest = max(got[j].T1, 1)
				}
			}
			out[p][i] = earliest
		}
	}
	return out
}

// survey counts, over the window, the answers owed and those that came.
func (f *figures) survey(d *deliveries) {
	var c SurveyCount
	for i := range f.sends {
		if !f.inWindow(i) {
			continue
		}
		c.Surveys++
		c.Expected += int64(d.peers)
		for p := range d.peers {
			if _, ok := d.has(p, i); ok {
				c.Replies++
			}
		}
	}
	if c.Expected > 0 {
		c.Share = float64(c.Replies) / float64(c.Expected)
	}
	f.out.Survey = c
}

// Phases is the receipts' latency before, during and after each fault.
func (f *Figures) Phases(faults []result.Fault, end time.Time) []result.Phase {
	return f.Recv.Phases(faults, end)
}
