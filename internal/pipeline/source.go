package pipeline

import (
	"context"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes"
	"github.com/kaudit/kaudit/probes/facts"
)

// Collect is the Source of kaudit run, facts and gate: the collector run on
// every host of inv (nil: the local machine) with opts, over SSH or locally
// for local hosts, each host yielded as it finishes.
func Collect(inv *inventory.Inventory, hosts []*inventory.Host, opts probes.Options) Source {
	return &collect{inv: inv, hosts: hosts, opts: opts}
}

type collect struct {
	inv   *inventory.Inventory
	hosts []*inventory.Host
	opts  probes.Options
}

func (c *collect) Len() int { return len(c.hosts) }

func (c *collect) Hosts(ctx context.Context, yield func(int, Host)) bool {
	probes.Each(ctx, c.hosts, c.inv, c.opts, func(i int, o *probes.Outcome) {
		yield(i, Host{FleetHost: FromOutcome(o)})
	})
	return ctx.Err() != nil
}

// FromOutcome converts a collection outcome to its saved form.
func FromOutcome(o *probes.Outcome) facts.FleetHost {
	h := facts.FleetHost{
		Name:       o.Host.Name,
		Address:    o.Host.Address,
		Groups:     append([]string{}, o.Host.Groups...),
		Labels:     nonNilMap(o.Host.Labels),
		DurationMS: o.Duration.Milliseconds(),
		Facts:      o.Facts,
		Reason:     o.Reason,
	}
	if o.Err != nil {
		h.Error = o.Err.Error()
	}
	if o.Facts == nil && h.Reason == "" {
		h.Reason = "collector"
	}
	return h
}

// Saved is the Source of saved facts (a facts file, sosreports): its hosts
// in order. The run is interrupted when the facts' collection was.
func Saved(ff *facts.FleetFacts) Source { return saved{ff} }

type saved struct{ ff *facts.FleetFacts }

func (s saved) Len() int { return len(s.ff.Hosts) }

func (s saved) Hosts(_ context.Context, yield func(int, Host)) bool {
	for i, h := range s.ff.Hosts {
		yield(i, Host{FleetHost: h})
	}
	return s.ff.Interrupted
}
