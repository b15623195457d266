package gate

import (
	"context"
	"time"

	"github.com/kaudit/kaudit/internal/audit"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
	"github.com/kaudit/kaudit/waiver"
)

// Options are what a gate run needs besides the plan and the hosts.
type Options struct {
	Meta    audit.Meta // report metadata; FailOn is the gate's threshold
	Workers int        // hosts evaluated at once
	// Waivers are the inventory's waivers, applied to current and projected
	// results alike; Now is the clock they expire by (zero: time.Now).
	Waivers []*inventory.Waiver
	Now     time.Time
}

// Outcome is a gate run's result.
type Outcome struct {
	// Report is the current report with every host's Projected results,
	// Gate and GateBlockers, and the fleet verdict in Plan.
	Report *report.Report
	// Projected is the fleet after the plan: the targeted hosts with their
	// projected facts (Facts.Predicted set), the others as they are.
	Projected []audit.FleetHost
	// Projections holds each targeted, reachable host's projection.
	Projections map[string]Projection
	// Notices are the waivers' problems (expired, expiring, unused, critical).
	Notices []waiver.Notice
}

// Evaluate runs the gate: it evaluates the hosts' current facts, projects
// the targeted hosts' facts through their change, evaluates the projected
// fleet (every host, so fleet-wide policies see the fleet as it will be),
// applies the waivers to both and decides. targets come from Plan.Resolve.
func Evaluate(ctx context.Context, eng *policies.Engine, p *Plan, targets map[string]*Target, hosts []audit.FleetHost, opts Options) (*Outcome, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	cur := audit.Evaluate(ctx, eng, hosts, opts.Meta, opts.Workers)

	out := &Outcome{Projections: map[string]Projection{}}
	projected := make([]audit.FleetHost, len(hosts))
	for i, h := range hosts {
		projected[i] = h
		t := targets[h.Name]
		if t == nil || h.Facts == nil {
			continue
		}
		pr, err := Project(h.Facts, t.Change)
		if err != nil {
			return nil, err
		}
		out.Projections[h.Name] = pr
		projected[i].Facts = pr.Facts
	}
	after := audit.Evaluate(ctx, eng, projected, opts.Meta, opts.Workers)
	Attach(cur, after, out.Projections)
	out.Notices = waiver.Apply(cur, opts.Waivers, eng.Checks(), now)
	Decide(cur, p, targets)
	out.Report, out.Projected = cur, projected
	return out, nil
}
