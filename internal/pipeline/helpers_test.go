package pipeline

import (
	"context"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// evalSaved runs the pipeline over saved facts: kaudit eval's report.
func evalSaved(ctx context.Context, eng *policies.Engine, hosts []facts.FleetHost, meta Meta, workers int) *report.Report {
	o, err := Run(ctx, Saved(&facts.FleetFacts{Schema: facts.FleetSchema, Hosts: hosts}), Options{Engine: eng, Meta: meta, Workers: workers})
	if err != nil {
		panic(err) // only a gate's projection fails a run
	}
	return o.Report
}

// merge runs the pipeline over shard reports: kaudit merge's report (no
// waivers) and the hosts' saved facts.
func merge(ctx context.Context, eng *policies.Engine, shards []*report.Report, opts MergeOptions) (*report.Report, []facts.FleetHost, error) {
	src, err := Shards(eng, shards, opts)
	if err != nil {
		return nil, nil, err
	}
	o, err := Run(ctx, src, Options{Engine: eng, Meta: Meta{FailOn: opts.FailOn}})
	if err != nil {
		return nil, nil, err
	}
	return o.Report, o.Hosts, nil
}
