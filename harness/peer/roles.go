package peer

import (
	"go.nanomsg.org/mangos/v3"
	"go.nanomsg.org/mangos/v3/protocol/bus"
	"go.nanomsg.org/mangos/v3/protocol/pair"
	"go.nanomsg.org/mangos/v3/protocol/pull"
	"go.nanomsg.org/mangos/v3/protocol/rep"
	"go.nanomsg.org/mangos/v3/protocol/respondent"
	"go.nanomsg.org/mangos/v3/protocol/sub"

	"github.com/nngbench/nngbench/harness/scenario"

	// The transports raw mode runs on, bare mangos' own.
	_ "go.nanomsg.org/mangos/v3/transport/inproc"
	_ "go.nanomsg.org/mangos/v3/transport/ipc"
	_ "go.nanomsg.org/mangos/v3/transport/tcp"
	_ "go.nanomsg.org/mangos/v3/transport/tlstcp"
)

// role is the peer side of a raw pattern: its socket, by mangos' name, and
// the hub's, which stays in the run's process.
type role struct {
	name, hub string
	open      func() (mangos.Socket, error)
}

// roles are the peer sides of the patterns raw mode runs.
var roles = map[scenario.Pattern]role{
	scenario.PatternPushPull: {name: "pull", hub: "push", open: pull.NewSocket},
	scenario.PatternPair:     {name: "pair", hub: "pair", open: pair.NewSocket},
	scenario.PatternPubSub:   {name: "sub", hub: "pub", open: subscribeAll},
	scenario.PatternBus:      {name: "bus", hub: "bus", open: bus.NewSocket},
	scenario.PatternReqRep:   {name: "rep", hub: "req", open: rep.NewSocket},
	scenario.PatternSurvey:   {name: "respondent", hub: "surveyor", open: respondent.NewSocket},
}

// Open opens a peer socket of pattern p, as a peer process does; in-process
// peers of a run open theirs the same way.
func Open(p scenario.Pattern) (mangos.Socket, error) { return roles[p].open() }

// subscribeAll is a SUB socket subscribed to every topic.
func subscribeAll() (mangos.Socket, error) {
	s, err := sub.NewSocket()
	if err != nil {
		return nil, err
	}
	if err := s.SetOption(mangos.OptionSubscribe, []byte{}); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}
