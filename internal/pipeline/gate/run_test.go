package gate

import (
	"context"
	"time"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
)

// runOptions are what a test gate run needs besides the plan and the hosts.
type runOptions struct {
	Meta    pipeline.Meta
	Workers int
	Waivers []*inventory.Waiver
	Now     time.Time
}

// gateOutcome is a gate run's outcome with the stage's projections.
type gateOutcome struct {
	*pipeline.Outcome
	Projections map[string]Projection
}

// judge runs kaudit gate's pipeline over saved facts.
func judge(ctx context.Context, eng *policies.Engine, p *Plan, targets map[string]*Target, hosts []facts.FleetHost, opts runOptions) (*gateOutcome, error) {
	stage := NewStage(p, targets)
	o, err := pipeline.Run(ctx, pipeline.Saved(&facts.FleetFacts{Schema: facts.FleetSchema, Hosts: hosts}), pipeline.Options{
		Engine: eng, Meta: opts.Meta, Workers: opts.Workers, Waivers: opts.Waivers, WaiverNow: opts.Now, Gate: stage,
	})
	if err != nil {
		return nil, err
	}
	return &gateOutcome{Outcome: o, Projections: stage.Projections}, nil
}
