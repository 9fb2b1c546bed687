package fault

import (
	"context"
	"errors"
	"fmt"
	"sync"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Partition cuts every link of the targets (or the one Link) by disabling
// their proxies, and heals by enabling them again.
//
// Why disable rather than a timeout toxic with timeout 0: that toxic drops
// the bytes it holds, so the TCP streams it spares carry SP frames with
// holes once it is removed, and the peers misread lengths until they give
// up on the pipe. Disabling closes the connections (and refuses new ones);
// after the heal both ends redial and start clean frames. The price: a
// disabled proxy is cut both ways, so a one-way partition is refused.
//
// Overlapping partitions of one proxy are counted: it is enabled again
// when the last of them heals.
type Partition struct {
	mu   sync.Mutex
	cuts map[string]int // by proxy name
}

var _ Injector = (*Partition)(nil)

// Inject disables the proxies.
func (x *Partition) Inject(ctx context.Context, f scenario.Fault, t Target) (Undo, error) {
	if f.Direction != "" && f.Direction != scenario.DirectionBoth {
		return nil, fmt.Errorf("%w: partition direction %s: a partition disables the proxy, which cuts both ways", ErrUnsupported, f.Direction)
	}
	proxies, err := proxiesOf(f, t)
	if err != nil {
		return nil, err
	}
	var s steps
	for _, p := range proxies {
		if err := ctx.Err(); err != nil { // the client takes no ctx: check between calls
			return nil, errors.Join(fmt.Errorf("fault: partition: %w", err), s.undo(context.WithoutCancel(ctx)))
		}
		if err := x.cut(p); err != nil {
			return nil, errors.Join(err, s.undo(context.WithoutCancel(ctx)))
		}
		s.add(func(context.Context) error { return x.heal(p) })
	}
	return s.undo, nil
}

func (x *Partition) cut(p *toxiclient.Proxy) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.cuts == nil {
		x.cuts = map[string]int{}
	}
	if x.cuts[p.Name] == 0 {
		if err := setEnabled(p, false); err != nil {
			return err
		}
	}
	x.cuts[p.Name]++
	return nil
}

func (x *Partition) heal(p *toxiclient.Proxy) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.cuts[p.Name] == 1 {
		if err := setEnabled(p, true); err != nil {
			return err
		}
	}
	x.cuts[p.Name]--
	return nil
}

// setEnabled saves a copy of p: Save rewrites the proxy it is called on,
// and p is shared with the cluster, which reads it concurrently.
func setEnabled(p *toxiclient.Proxy, on bool) error {
	q := *p
	q.ActiveToxics = nil
	var err error
	if on {
		err = q.Enable()
	} else {
		err = q.Disable()
	}
	if err != nil {
		return fmt.Errorf("fault: partition: enabled=%v %s: %w", on, p.Name, err)
	}
	return nil
}
