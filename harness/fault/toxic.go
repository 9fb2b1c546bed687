package fault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/harness/scenario"
)

// Toxic adds the toxiproxy toxic named by the fault's kind (latency,
// bandwidth, slow_close, timeout, reset_peer, slicer, limit_data), with its
// parameters and toxicity, to the chosen link of each target (every link
// when Link is ""), on the chosen stream(s): toxiproxy's "downstream" is
// from the upstream server to the client, "upstream" the other way.
// Toxics are named "nngbench-<n>-<kind>-<stream>", n counting the faults
// this injector applied, so overlapping faults on one proxy do not clash.
type Toxic struct {
	seq atomic.Int64
}

var _ Injector = (*Toxic)(nil)

// Inject adds the toxics, then reads each proxy's toxics back and fails
// with ErrNotInForce unless every one is listed as asked.
func (x *Toxic) Inject(ctx context.Context, f scenario.Fault, t Target) (Undo, error) {
	if !f.Kind.IsToxic() {
		return nil, fmt.Errorf("%w: %s is not a toxic", ErrUnsupported, f.Kind)
	}
	proxies, err := proxiesOf(f, t)
	if err != nil {
		return nil, err
	}
	attrs := toxicAttributes(f)
	n := x.seq.Add(1)
	var s steps
	for _, p := range proxies {
		for _, stream := range streams(f.Direction) {
			name := fmt.Sprintf("nngbench-%d-%s-%s", n, f.Kind, stream)
			if err := addToxic(ctx, p, name, f, stream, attrs); err != nil {
				return nil, errors.Join(err, s.undo(context.WithoutCancel(ctx)))
			}
			s.add(func(context.Context) error { return removeToxic(p, name) })
		}
	}
	return s.undo, nil
}

func addToxic(ctx context.Context, p *toxiclient.Proxy, name string, f scenario.Fault, stream string, attrs toxiclient.Attributes) error {
	if err := ctx.Err(); err != nil { // the client takes no ctx: check between calls
		return fmt.Errorf("fault: %s: %w", name, err)
	}
	if _, err := p.AddToxic(name, f.Kind.Toxic(), stream, float32(f.Toxicity), attrs); err != nil {
		return fmt.Errorf("fault: %s on %s: %w", name, p.Name, err)
	}
	toxics, err := p.Toxics()
	if err != nil {
		return errors.Join(fmt.Errorf("fault: %s on %s: read back: %w", name, p.Name, err), removeToxic(p, name))
	}
	for _, tx := range toxics {
		if tx.Name == name && tx.Type == f.Kind.Toxic() && tx.Stream == stream {
			return nil
		}
	}
	return errors.Join(fmt.Errorf("%w: %s on %s", ErrNotInForce, name, p.Name), removeToxic(p, name))
}

// removeToxic removes a toxic; one already gone is no error.
func removeToxic(p *toxiclient.Proxy, name string) error {
	err := p.RemoveToxic(name)
	var api *toxiclient.ApiError
	if err == nil || errors.As(err, &api) && api.Status == http.StatusNotFound {
		return nil
	}
	return fmt.Errorf("fault: remove %s from %s: %w", name, p.Name, err)
}

// streams are toxiproxy's streams for a direction; "" is both.
func streams(d scenario.Direction) []string {
	switch d {
	case scenario.DirectionUpstream:
		return []string{"upstream"}
	case scenario.DirectionDownstream:
		return []string{"downstream"}
	default:
		return []string{"upstream", "downstream"}
	}
}

// toxicAttributes are the toxic's attributes in toxiproxy's units:
// milliseconds, except slicer's delay (microseconds); KB/s for bandwidth.
func toxicAttributes(f scenario.Fault) toxiclient.Attributes {
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	switch f.Kind {
	case scenario.FaultLatency:
		return toxiclient.Attributes{"latency": ms(f.Latency), "jitter": ms(f.Jitter)}
	case scenario.FaultBandwidth:
		return toxiclient.Attributes{"rate": f.Rate / 1000}
	case scenario.FaultSlowClose:
		return toxiclient.Attributes{"delay": ms(f.Delay)}
	case scenario.FaultTimeout, scenario.FaultResetPeer:
		return toxiclient.Attributes{"timeout": ms(f.Timeout)}
	case scenario.FaultSlicer:
		return toxiclient.Attributes{"average_size": f.AverageSize, "size_variation": f.SizeVariation,
			"delay": f.Delay.Microseconds()}
	case scenario.FaultLimitData:
		return toxiclient.Attributes{"bytes": f.Bytes}
	default:
		return toxiclient.Attributes{}
	}
}
