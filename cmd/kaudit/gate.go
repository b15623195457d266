package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/internal/pipeline/gate"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

func (a *app) gateCommand() *cobra.Command {
	var out outputFlags
	var hist historyFlag
	var planPath, factsPath, projectedOut string
	cmd := &cobra.Command{
		Use:   "gate",
		Short: "Pre-upgrade gate: go / no-go per node and for the fleet",
		Long: `gate collects the current facts of the selected hosts (or reads --facts),
applies the upgrade plan to the hosts it targets to derive the facts the plan
implies (versions and boot options replaced; the kmem state of the cgroups,
the memcg counts and the kernel log predicted from the version tables and
marked predicted), evaluates the policies on both and decides go / no-go per
host and for the fleet. Hosts the plan does not target are judged on their
current state. Waivers of the inventory apply to both. See docs/gate.md.

Exit codes: 0 the gate passes (go); 1 no-go, some host is blocked by a check
at or above --fail-on; 3 no-go because hosts could not be judged (unreachable
beyond max_unreachable) and none is blocked; 2 plan, inventory, usage or
policy error; 4 (with --history) the reports were written but the run could not
be recorded. Anything but 0 means stop.`,
		Example: `  kaudit gate -i prod.hcl --plan upgrade.hcl
  kaudit gate -i prod.hcl --limit group=workers --plan upgrade.hcl --report html=gate.html
  kaudit gate --facts facts.json --plan upgrade.hcl --report json=gate.json
  kaudit gate --facts facts.json -i prod.hcl --plan upgrade.hcl --projected-out projected.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.gate(cmd.Context(), &out, planPath, factsPath, projectedOut, hist.target)
		},
	}
	a.bindScope(cmd.Flags(), scopeInventory|scopeLimit|scopeJobs|scopePolicy|scopeShard)
	out.register(cmd)
	hist.register(cmd)
	f := cmd.Flags()
	f.StringVar(&planPath, "plan", "", "upgrade plan (HCL, see docs/gate.md; required)")
	f.StringVar(&factsPath, "facts", "", "judge saved facts (kaudit facts -o, run --facts-out) instead of collecting")
	f.StringVar(&projectedOut, "projected-out", "", "also save the projected facts (the fleet after the plan) to this file")
	_ = cmd.MarkFlagRequired("plan")
	return cmd
}

func (a *app) gate(ctx context.Context, out *outputFlags, planPath, factsPath, projectedOut, histTarget string) error {
	dests, err := out.dests()
	if err != nil {
		return usageErr(err)
	}
	plan, files, diags := gate.Load(planPath)
	if err := a.planDiagnostics(diags, files, "plan"); err != nil {
		return err
	}
	in, err := a.gateSource(factsPath)
	if err != nil {
		return err
	}
	tg, diags := plan.Resolve(in.resolve, in.names)
	if err := a.planDiagnostics(diags, files, "plan"); err != nil {
		return err
	}
	eng, err := a.engine(ctx, in.inv)
	if err != nil {
		return err
	}
	stage := gate.NewStage(plan, tg)
	return a.audit(ctx, auditOptions{
		out:     out,
		dests:   dests,
		source:  in.src,
		eng:     eng,
		inv:     in.inv,
		label:   in.label,
		gate:    stage,
		history: histTarget,
		// Judge even when interrupted: what was collected is reported.
		collects: factsPath == "",
		after: func(o *pipeline.Outcome) error {
			if projectedOut == "" {
				return nil
			}
			projected := savedFacts(o)
			projected.Hosts = o.Projected
			if err := report.WriteFileAtomic(projectedOut, func(w io.Writer) error { return facts.WriteFleetFacts(w, projected) }); err != nil {
				return fmt.Errorf("--projected-out: %w", err)
			}
			fmt.Fprintf(a.stderr, "kaudit: wrote projected facts of %d host(s) to %s\n", len(stage.Projections), projectedOut)
			return nil
		},
	})
}

// gateInput is what the gate judges.
type gateInput struct {
	inv     *inventory.Inventory // -i; nil when judging a facts file without it
	resolve *inventory.Inventory // what the plan's targets are resolved against
	src     pipeline.Source
	names   []string // the source's hosts
	label   string   // the report's inventory field
}

// gateSource is the gate's source: the selected hosts to collect from, or
// --facts (narrowed by --shard and --limit). A facts file is judged on its
// own hosts, resolved against -i when given (which also gives waivers,
// params and groups), else against the file's hosts.
func (a *app) gateSource(factsPath string) (*gateInput, error) {
	if factsPath == "" {
		inv, hosts, err := a.selectHosts()
		if err != nil {
			return nil, err
		}
		in := &gateInput{inv: inv, resolve: inv, src: pipeline.Collect(inv, hosts, probes.Options{Concurrency: a.concurrency}), label: pipeline.InventoryLabel(inv)}
		for _, h := range hosts {
			in.names = append(in.names, h.Name)
		}
		return in, nil
	}
	ff, err := readFactsFile(factsPath)
	if err != nil {
		return nil, usageErr(err)
	}
	if err := a.shardFacts(ff); err != nil {
		return nil, err
	}
	in := &gateInput{src: pipeline.Saved(ff), label: ff.Inventory}
	if len(a.inventories) > 0 {
		if in.inv, err = a.loadInventory(); err != nil {
			return nil, err
		}
	}
	if err := a.limitFleet(ff, in.inv, factsPath); err != nil {
		return nil, err
	}
	in.resolve = in.inv
	if in.resolve == nil {
		in.resolve = gate.FleetInventory(fleetInvHosts(ff.Hosts))
	}
	for _, h := range ff.Hosts {
		in.names = append(in.names, h.Name)
	}
	return in, nil
}

// fleetInvHosts is the inventory view of a facts file's hosts.
func fleetInvHosts(hs []facts.FleetHost) []*inventory.Host {
	out := make([]*inventory.Host, len(hs))
	for i, h := range hs {
		out[i] = &inventory.Host{Name: h.Name, Address: h.Address, Groups: h.Groups, Labels: h.Labels}
	}
	return out
}

// planDiagnostics prints diagnostics with their source lines; errors stop
// with exit 2.
func (a *app) planDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File, what string) error {
	if len(diags) == 0 {
		return nil
	}
	if err := inventory.WriteDiagnostics(a.stderr, diags, files, 100, a.colorFor(a.stderr)); err != nil {
		return usageErr(err)
	}
	if diags.HasErrors() {
		return &exitError{code: exitUsage, err: fmt.Errorf("%s has %d error(s); nothing was judged", what, countErrors(diags))}
	}
	return nil
}
