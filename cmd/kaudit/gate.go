package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/gate"
	"github.com/kaudit/kaudit/internal/audit"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/report"
	"github.com/kaudit/kaudit/waiver"
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
	targets, err := out.targets()
	if err != nil {
		return usageErr(err)
	}
	plan, files, diags := gate.Load(planPath)
	if err := a.planDiagnostics(diags, files, "plan"); err != nil {
		return err
	}
	started := time.Now()
	inv, fleet, err := a.gateFleet(ctx, factsPath, started)
	if err != nil {
		return err
	}
	resolveInv := inv
	if resolveInv == nil {
		resolveInv = gate.FleetInventory(fleetInvHosts(fleet.Hosts))
	}
	names := make([]string, len(fleet.Hosts))
	for i, h := range fleet.Hosts {
		names[i] = h.Name
	}
	tg, diags := plan.Resolve(resolveInv, names)
	if err := a.planDiagnostics(diags, files, "plan"); err != nil {
		return err
	}
	eng, err := a.engine(ctx, inv)
	if err != nil {
		return err
	}
	var waivers []*inventory.Waiver
	if inv != nil {
		waivers = inv.Waivers
	}
	label := fleet.Inventory
	if inv != nil && factsPath == "" {
		label = audit.InventoryLabel(inv)
	}
	hs := a.beginHistory(ctx, historyTarget(histTarget, inv), started)
	defer hs.Close() // recordHistory closes it too; this covers the error returns
	// Judge even when interrupted: what was collected is reported.
	o, err := gate.Evaluate(context.WithoutCancel(ctx), eng, plan, tg, fleet.Hosts, gate.Options{
		Meta:    audit.Meta{ToolVersion: toolVersion, Inventory: label, FailOn: out.failOn, StartedAt: started, History: historyInput(hs, started)},
		Workers: a.concurrency,
		Waivers: waivers,
		Now:     time.Now(),
	})
	if err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("gate: %w", err)}
	}
	a.reportNotices(o.Report, o.Notices)
	o.Report.Interrupted = fleet.Interrupted
	if factsPath == "" {
		if err := out.saveFacts(fleet); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	if projectedOut != "" {
		projected := *fleet
		projected.Hosts = o.Projected
		if err := report.WriteFileAtomic(projectedOut, func(w io.Writer) error { return audit.WriteFleetFacts(w, &projected) }); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("--projected-out: %w", err)}
		}
		fmt.Fprintf(a.stderr, "kaudit: wrote projected facts of %d host(s) to %s\n", len(o.Projections), projectedOut)
	}
	return a.recordHistory(ctx, hs, o.Report, a.finish(o.Report, out, targets))
}

// gateFleet collects the selected hosts, or reads --facts (narrowed by
// --limit, resolved against -i when given). inv is nil when judging a facts
// file without -i.
func (a *app) gateFleet(ctx context.Context, factsPath string, started time.Time) (*inventory.Inventory, *audit.FleetFacts, error) {
	if factsPath == "" {
		inv, hosts, err := a.selectHosts()
		if err != nil {
			return nil, nil, err
		}
		fleet, _ := a.collect(ctx, inv, hosts)
		fleet.CollectedAt = started.UTC().Format(time.RFC3339)
		return inv, fleet, nil
	}
	ff, err := readFactsFile(factsPath)
	if err != nil {
		return nil, nil, usageErr(err)
	}
	if err := a.shardFacts(ff); err != nil {
		return nil, nil, err
	}
	var inv *inventory.Inventory
	if len(a.inventories) > 0 {
		if inv, err = a.loadInventory(); err != nil {
			return nil, nil, err
		}
	}
	if len(a.limits) > 0 {
		sel := inv
		if sel == nil {
			sel = gate.FleetInventory(fleetInvHosts(ff.Hosts))
		}
		hosts, err := sel.Select(a.limits)
		if err != nil {
			return nil, nil, usageErr(fmt.Errorf("--limit: %w", err))
		}
		keep := make([]string, len(hosts))
		for i, h := range hosts {
			keep[i] = h.Name
		}
		ff.Hosts = slices.DeleteFunc(ff.Hosts, func(h audit.FleetHost) bool { return !slices.Contains(keep, h.Name) })
		if len(ff.Hosts) == 0 {
			return nil, nil, usageErr(fmt.Errorf("--limit: no host of %s is selected", factsPath))
		}
	}
	return inv, ff, nil
}

// fleetInvHosts is the inventory view of a facts file's hosts.
func fleetInvHosts(hs []audit.FleetHost) []*inventory.Host {
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

// reportNotices writes the waivers' problems to stderr and into the report
// (every format shows them).
func (a *app) reportNotices(r *report.Report, ns []waiver.Notice) {
	for _, n := range ns {
		fmt.Fprintf(a.stderr, "kaudit: %s\n", n)
		r.Notices = append(r.Notices, report.WaiverNotice(n.Level, n.Waiver, n.Pos, n.Message))
	}
}

func (a *app) waiverCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "waiver",
		Short: "Inspect waivers declared in the inventory",
	}
	a.bindScope(cmd.PersistentFlags(), scopeInventory|scopeLimit|scopePolicy)
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "Show each waiver with its state and the hosts it covers",
		Long: `list shows every waiver block of the inventory: its state (active; expiring
within 14 days; expired, which waives nothing; unused, which covers no host or
no check it may waive), its expiry (the end of that day, UTC), owner, ticket,
the checks it may waive and the hosts it covers (--limit narrows them). -v adds
the reason, the notes and every host. See docs/gate.md.`,
		Example: `  kaudit waiver list -i prod.hcl
  kaudit waiver list -i prod.hcl --limit group=workers -v`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(a.inventories) == 0 {
				return usageErr(fmt.Errorf("waiver list needs an inventory (-i FILE)"))
			}
			inv, hosts, err := a.selectHosts()
			if err != nil {
				return err
			}
			if len(inv.Waivers) == 0 {
				fmt.Fprintf(a.stdout, "no waivers in %s\n", audit.InventoryLabel(inv))
				return nil
			}
			eng, err := a.engine(cmd.Context(), inv)
			if err != nil {
				return err
			}
			return waiver.WriteTable(a.stdout, waiver.States(inv, hosts, eng.Checks(), time.Now()), a.verbose)
		},
	})
	return cmd
}
