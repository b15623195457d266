package gate

import (
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// Stage is kaudit gate's stage of the pipeline (it implements
// pipeline.Gate): the hosts' current facts are projected through their
// change, the projected fleet is evaluated (every host, so fleet-wide
// policies see the fleet as it will be), the waivers are applied to both,
// and Decide judges. Targets come from Plan.Resolve.
type Stage struct {
	Plan    *Plan
	Targets map[string]*Target
	// Projections holds, once Project ran, each targeted, reachable host's
	// projection.
	Projections map[string]Projection
}

// NewStage is the gate stage of plan p for the resolved targets.
func NewStage(p *Plan, targets map[string]*Target) *Stage {
	return &Stage{Plan: p, Targets: targets, Projections: map[string]Projection{}}
}

// Project returns the fleet after the plan: the targeted hosts with their
// projected facts (Facts.Predicted set), the others as they are.
func (s *Stage) Project(hosts []facts.FleetHost) ([]facts.FleetHost, error) {
	projected := make([]facts.FleetHost, len(hosts))
	for i, h := range hosts {
		projected[i] = h
		t := s.Targets[h.Name]
		if t == nil || h.Facts == nil {
			continue
		}
		pr, err := Project(h.Facts, t.Change, s.Plan.Versions)
		if err != nil {
			return nil, err
		}
		s.Projections[h.Name] = pr
		projected[i].Facts = pr.Facts
	}
	return projected, nil
}

// Attach records every host's projected results in the current report.
func (s *Stage) Attach(current, projected *report.Report) {
	Attach(current, projected, s.Projections)
}

// Decide sets each host's gate and the fleet verdict.
func (s *Stage) Decide(r *report.Report) { Decide(r, s.Plan, s.Targets) }
