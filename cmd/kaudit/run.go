package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/probes"
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
	dests, err := out.dests()
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
	return a.audit(ctx, auditOptions{
		out:      out,
		dests:    dests,
		source:   pipeline.Collect(inv, hosts, probes.Options{Concurrency: a.concurrency}),
		eng:      eng,
		inv:      inv,
		label:    pipeline.InventoryLabel(inv),
		history:  histTarget,
		collects: true,
	})
}
