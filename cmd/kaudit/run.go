package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/internal/audit"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes"
	"github.com/kaudit/kaudit/report"
	"github.com/kaudit/kaudit/waiver"
)

func (a *app) runCommand() *cobra.Command {
	var out outputFlags
	var hist historyFlag
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Collect facts from every host, evaluate the policies and report",
		Long: `run contacts every selected host over SSH in parallel (one connection and one
command each), evaluates the built-in kmem pack and any -p packs, and writes
the reports. Without -i it audits the local machine.

Exit codes: 0 every host compliant; 1 a failing check at or above --fail-on;
2 usage, inventory or policy error (nothing audited); 3 no failures, but some
hosts unreachable or incomplete; 4 (with --history) the reports were written but
the run could not be recorded in the history store. On Ctrl-C, what was
collected is evaluated and reported, marked interrupted.`,
		Example: `  kaudit run
  kaudit run -i prod.hcl
  kaudit run -i prod.hcl --report html=out/report.html --report junit=out/junit.xml --report json=out/report.json
  kaudit run -i inventories/ --limit 'label.role=worker' -j 128 --fail-on critical
  kaudit run -i prod.hcl --baseline last.json --report json=today.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd.Context(), &out, hist.target)
		},
	}
	a.bindScope(cmd.Flags(), scopeInventory|scopeLimit|scopeJobs|scopePolicy|scopeShard)
	out.register(cmd)
	hist.register(cmd)
	return cmd
}

func (a *app) run(ctx context.Context, out *outputFlags, histTarget string) error {
	targets, err := out.targets()
	if err != nil {
		return usageErr(err)
	}
	inv, hosts, err := a.selectHosts()
	if err != nil {
		return err
	}
	eng, err := a.engine(ctx, inv)
	if err != nil {
		return err
	}
	started := time.Now()
	hs := a.beginHistory(ctx, historyTarget(histTarget, inv), started)
	// Each host is evaluated as its facts arrive; the evaluation goes on
	// when interrupted: what was collected is reported.
	prog := newProgress(a.stderr, len(hosts), isTerminal(a.stderr) && a.getenv("CI") == "")
	r, collected, interrupted := audit.Run(ctx, eng, inv, hosts, probes.Options{Concurrency: a.concurrency, Progress: prog.update}, audit.Meta{
		ToolVersion: toolVersion,
		Inventory:   audit.InventoryLabel(inv),
		FailOn:      out.failOn,
		StartedAt:   started,
		History:     historyInput(hs, started),
	})
	prog.finish()
	if interrupted {
		fmt.Fprintln(a.stderr, "kaudit: interrupted; reporting what was collected")
	}
	fleet := a.fleetFacts(inv, collected, interrupted)
	fleet.CollectedAt = started.UTC().Format(time.RFC3339)
	if err := out.saveFacts(fleet); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	r.Interrupted = interrupted
	a.applyWaivers(r, inv, eng)
	return a.recordHistory(ctx, hs, r, a.finish(r, out, targets))
}

// collect runs the collection with a progress line on a terminal.
func (a *app) collect(ctx context.Context, inv *inventory.Inventory, hosts []*inventory.Host) (*audit.FleetFacts, bool) {
	prog := newProgress(a.stderr, len(hosts), isTerminal(a.stderr) && a.getenv("CI") == "")
	opts := probes.Options{Concurrency: a.concurrency, Progress: prog.update}
	hostsOut, interrupted := audit.Collect(ctx, inv, hosts, opts)
	prog.finish()
	if interrupted {
		fmt.Fprintln(a.stderr, "kaudit: interrupted; reporting what was collected")
	}
	return a.fleetFacts(inv, hostsOut, interrupted), interrupted
}

func (a *app) fleetFacts(inv *inventory.Inventory, hosts []audit.FleetHost, interrupted bool) *audit.FleetFacts {
	return &audit.FleetFacts{
		Schema:      audit.FleetSchema,
		ToolVersion: toolVersion,
		Inventory:   audit.InventoryLabel(inv),
		Interrupted: interrupted,
		Hosts:       hosts,
	}
}

func (a *app) factsCommand() *cobra.Command {
	var outPath string
	var local bool
	cmd := &cobra.Command{
		Use:   "facts",
		Short: "Collect facts only and write them as JSON",
		Long: `facts runs the collector on every selected host (or, with --local or no -i,
on this machine without SSH) and writes a kaudit.fleetfacts/v1 document. Save it
and re-evaluate later with kaudit eval --facts.`,
		Example: `  kaudit facts --local
  kaudit facts -i prod.hcl -o facts.json
  kaudit eval --facts facts.json --report html=report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if local {
				a.inventories = nil
			}
			inv, hosts, err := a.selectHosts()
			if err != nil {
				return err
			}
			started := time.Now()
			fleet, _ := a.collect(cmd.Context(), inv, hosts)
			fleet.CollectedAt = started.UTC().Format(time.RFC3339)
			if outPath == "" || outPath == "-" {
				return audit.WriteFleetFacts(a.stdout, fleet)
			}
			if err := report.WriteFileAtomic(outPath, func(w io.Writer) error { return audit.WriteFleetFacts(w, fleet) }); err != nil {
				return fmt.Errorf("write facts %s: %w", outPath, err)
			}
			fmt.Fprintf(a.stderr, "kaudit: wrote facts of %d host(s) to %s\n", len(fleet.Hosts), outPath)
			return nil
		},
	}
	a.bindScope(cmd.Flags(), scopeInventory|scopeLimit|scopeJobs|scopeShard)
	cmd.Flags().StringVarP(&outPath, "output", "o", "", "write to this file instead of stdout")
	cmd.Flags().BoolVar(&local, "local", false, "collect from this machine without SSH (ignores -i)")
	return cmd
}

func (a *app) evalCommand() *cobra.Command {
	var out outputFlags
	var hist historyFlag
	var factsPath string
	var sosPaths []string
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate saved facts offline and report",
		Long: `eval re-evaluates a facts file written by kaudit facts or kaudit run --facts-out
(or a single host's kaudit.facts/v1 document), or the files of sosreports
(--sosreport, repeatable: evidence a sosreport lacks is unknown, "not in this
sosreport"), with the built-in pack and any -p packs, producing the same
reports and exit codes as run. Nothing is contacted.`,
		Example: `  kaudit eval --facts facts.json
  kaudit eval --sosreport sosreport-node1-2020-06-01.tar.xz --sosreport ./sosreport-node2/
  kaudit eval --facts facts.json -p ./my-policies --report junit=junit.xml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			targets, err := out.targets()
			if err != nil {
				return usageErr(err)
			}
			if (factsPath == "") == (len(sosPaths) == 0) {
				return usageErr(errors.New("eval needs --facts FILE or --sosreport PATH (not both)"))
			}
			var ff *audit.FleetFacts
			what := factsPath
			if factsPath != "" {
				if ff, err = readFactsFile(factsPath); err != nil {
					return usageErr(err)
				}
			} else {
				ff, what = readSosreports(sosPaths), "the sosreports"
			}
			if err := a.shardFacts(ff); err != nil {
				return err
			}
			var inv *inventory.Inventory
			if len(a.inventories) > 0 {
				if inv, err = a.loadInventory(); err != nil {
					return err
				}
			}
			if err := a.limitFleet(ff, inv, what); err != nil {
				return err
			}
			eng, err := a.engine(cmd.Context(), inv)
			if err != nil {
				return err
			}
			started := time.Now()
			hs := a.beginHistory(cmd.Context(), historyTarget(hist.target, inv), started)
			r := audit.Evaluate(cmd.Context(), eng, ff.Hosts, audit.Meta{
				ToolVersion: toolVersion,
				Inventory:   ff.Inventory,
				FailOn:      out.failOn,
				StartedAt:   started,
				History:     historyInput(hs, started),
			}, a.concurrency)
			r.Interrupted = ff.Interrupted
			a.applyWaivers(r, inv, eng)
			return a.recordHistory(cmd.Context(), hs, r, a.finish(r, &out, targets))
		},
	}
	a.bindScope(cmd.Flags(), scopeInventory|scopeLimit|scopePolicy|scopeShard)
	out.noFactsOut = true // eval reads facts: saving them again means nothing
	out.register(cmd)
	hist.register(cmd)
	cmd.Flags().StringVar(&factsPath, "facts", "", "facts file to evaluate")
	cmd.Flags().StringArrayVar(&sosPaths, "sosreport", nil, "sosreport to evaluate: a directory or .tar.xz/.tar.gz/.tar.bz2, read without unpacking (repeatable)")
	return cmd
}

func readFactsFile(path string) (*audit.FleetFacts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--facts: %w", err)
	}
	defer f.Close()
	ff, err := audit.ReadFleetFacts(f)
	if err != nil {
		return nil, fmt.Errorf("--facts %s: %w", path, err)
	}
	return ff, nil
}

// applyWaivers turns fail/unknown results covered by the inventory's valid
// waivers into waived, and reports the waiver notices (expired, expiring,
// unused) on stderr and in the report.
func (a *app) applyWaivers(r *report.Report, inv *inventory.Inventory, eng *policies.Engine) {
	if inv == nil || len(inv.Waivers) == 0 {
		return
	}
	a.reportNotices(r, waiver.Apply(r, inv.Waivers, eng.Checks(), time.Now()))
}
