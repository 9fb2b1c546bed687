package pipeline

import (
	"sync"

	"go.nanomsg.org/mangos/v3/protocol"
)

// countingProto is xpush with its pipes wrapped so that every write is
// counted, which is what lets Drain know that nothing is left in mangos'
// queues. Like protocol/push, it is the cooked (non-raw) protocol.
type countingProto struct {
	protocol.Protocol
	t *tracker

	mu    sync.Mutex
	pipes map[uint32]*countingPipe // by pipe ID, so RemovePipe hands xpush the pipe it was given
}

func newCountingProto(xpush protocol.Protocol, t *tracker) *countingProto {
	return &countingProto{Protocol: xpush, t: t, pipes: make(map[uint32]*countingPipe)}
}

func (p *countingProto) GetOption(name string) (any, error) {
	if name == protocol.OptionRaw {
		return false, nil
	}
	return p.Protocol.GetOption(name)
}

func (p *countingProto) AddPipe(pp protocol.Pipe) error {
	cp := &countingPipe{Pipe: pp, t: p.t}
	p.mu.Lock()
	p.pipes[pp.ID()] = cp
	p.mu.Unlock()
	if err := p.Protocol.AddPipe(cp); err != nil {
		p.mu.Lock()
		delete(p.pipes, pp.ID())
		p.mu.Unlock()
		return err
	}
	return nil
}

func (p *countingProto) RemovePipe(pp protocol.Pipe) {
	p.mu.Lock()
	cp := p.pipes[pp.ID()]
	delete(p.pipes, pp.ID())
	p.mu.Unlock()
	if cp != nil {
		p.Protocol.RemovePipe(cp)
	}
}

// countingPipe delegates everything to the real pipe (xpush's private data
// included) and settles one message per write.
type countingPipe struct {
	protocol.Pipe
	t *tracker
}

func (p *countingPipe) SendMsg(m *protocol.Message) error {
	if err := p.Pipe.SendMsg(m); err != nil {
		p.t.lost()
		return err
	}
	p.t.settle()
	return nil
}
