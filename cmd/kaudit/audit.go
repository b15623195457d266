package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// auditOptions are what run, eval, gate and merge hand the pipeline once
// their flags are bound and their source is picked.
type auditOptions struct {
	out    *outputFlags
	dests  []reportDest // the --report destinations, validated
	source pipeline.Source
	eng    *policies.Engine
	// inv is the inventory: its waivers apply; nil: none.
	inv *inventory.Inventory
	// label is the report's inventory field.
	label string
	gate  pipeline.Gate
	// history is --history (the inventory's history block is the default).
	history string
	// collects: the source contacts hosts (a progress line on a terminal;
	// --facts-out saves what it collected).
	collects bool
	// after runs once the pipeline has run, before the reports are written
	// (gate --projected-out).
	after func(*pipeline.Outcome) error
}

// audit runs the pipeline over o.source, prints its notices, saves the
// facts (--facts-out), writes the reports, records the run in the history
// store and turns the verdict into the exit code.
func (a *app) audit(ctx context.Context, o auditOptions) error {
	base, err := o.out.readBaseline()
	if err != nil {
		return usageErr(err)
	}
	started := time.Now()
	hs := a.beginHistory(ctx, historyTarget(o.history, o.inv), started)
	defer hs.Close() // recordHistory closes it too; this covers the error returns
	opts := pipeline.Options{
		Engine:       o.eng,
		Meta:         pipeline.Meta{ToolVersion: toolVersion, Inventory: o.label, FailOn: o.out.failOn, StartedAt: started, History: historyInput(hs, started)},
		Workers:      a.concurrency,
		Baseline:     base,
		BaselineName: o.out.baseline,
		Gate:         o.gate,
	}
	if o.inv != nil {
		opts.Waivers = o.inv.Waivers
	}
	var prog *progress
	if o.collects {
		prog = newProgress(a.stderr, o.source.Len(), isTerminal(a.stderr) && a.getenv("CI") == "")
		opts.OnHost = prog.update
	}
	out, err := pipeline.Run(ctx, o.source, opts)
	if prog != nil {
		prog.clear()
	}
	if err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("gate: %w", err)}
	}
	if o.collects && ctx.Err() != nil {
		fmt.Fprintln(a.stderr, "kaudit: interrupted; reporting what was collected")
	}
	for _, n := range out.Notices {
		fmt.Fprintf(a.stderr, "kaudit: %s\n", n)
	}
	if err := o.out.saveFacts(savedFacts(out)); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if o.after != nil {
		if err := o.after(out); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	return a.recordHistory(ctx, hs, out.Report, a.writeAndExit(out.Report, o.dests))
}

// savedFacts is the facts document of the run's hosts, what --facts-out
// saves: collected when the run started, or when the earliest shard did.
func savedFacts(out *pipeline.Outcome) *facts.FleetFacts {
	r := out.Report
	return &facts.FleetFacts{
		Schema:      facts.FleetSchema,
		ToolVersion: r.ToolVersion,
		Inventory:   r.Inventory,
		CollectedAt: r.StartedAt,
		Interrupted: r.Interrupted,
		Hosts:       out.Hosts,
	}
}

// writeAndExit writes the reports and turns the verdict into an exit code.
func (a *app) writeAndExit(r *report.Report, dests []reportDest) error {
	if err := a.writeReports(r, dests); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if code := report.ExitCode(r); code != exitOK {
		return &exitError{code: code}
	}
	return nil
}

// readBaseline reads --baseline (nil without one).
func (o *outputFlags) readBaseline() (*report.Report, error) {
	if o.baseline == "" {
		return nil, nil
	}
	f, err := os.Open(o.baseline)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	defer f.Close()
	base, err := report.Read(f)
	if err != nil {
		return nil, fmt.Errorf("--baseline %s: %w", o.baseline, err)
	}
	return base, nil
}

// saveFacts writes the fleet facts file when --facts-out is set.
func (o *outputFlags) saveFacts(ff *facts.FleetFacts) error {
	if o.factsOut == "" {
		return nil
	}
	return report.WriteFileAtomic(o.factsOut, func(w io.Writer) error { return facts.WriteFleetFacts(w, ff) })
}
