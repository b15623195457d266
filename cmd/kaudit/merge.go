package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/report"
)

func (a *app) mergeCommand() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "merge REPORT.json...",
		Short: "Join the JSON reports of shards (run --shard K/N) into one fleet report",
		Long: `merge reads the JSON reports of kaudit run --shard 0/N ... N-1/N (or any JSON
reports of disjoint hosts evaluated with the same policies) and writes every
report format as if one run had audited all their hosts: one host list, the
checks of packs that read input.fleet recomputed over the whole fleet, host
statuses, summary and exit code derived again. Nothing is contacted.

Give merge the same -p packs and inventory (-i) as the shards: the policy
digest must match, the inventory's waivers are applied again over the whole
fleet (needed when the shards carry waivers) and its host order is kept
(without -i hosts are sorted by name). --baseline applies to the merged
report (shards' baseline marks are dropped). Gate reports cannot be merged.

Exit codes: as kaudit run, for the merged fleet.`,
		Example: `  kaudit run -i prod.hcl --shard 0/4 --report json=shard-0.json   # ... up to 3/4
  kaudit merge -i prod.hcl shard-*.json --report html=report.html --report junit=junit.xml
  kaudit merge shard-*.json --report json=fleet.json --fail-on critical`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.merge(cmd.Context(), &out, args, cmd.Flags().Changed("fail-on"))
		},
	}
	a.bindScope(cmd.Flags(), scopeInventory|scopeLimit|scopePolicy|scopeShard)
	out.register(cmd)
	return cmd
}

func (a *app) merge(ctx context.Context, out *outputFlags, paths []string, failOnSet bool) error {
	dests, err := out.dests()
	if err != nil {
		return usageErr(err)
	}
	if a.shard != "" {
		return usageErr(fmt.Errorf("--shard: merge joins shards; give it every shard's report instead"))
	}
	shards := make([]*report.Report, len(paths))
	for i, p := range paths {
		if shards[i], err = readReport(p); err != nil {
			return usageErr(err)
		}
	}
	var inv *inventory.Inventory
	opts := pipeline.MergeOptions{}
	if failOnSet {
		opts.FailOn = out.failOn
	}
	if len(a.inventories) > 0 {
		var hosts []*inventory.Host
		if inv, hosts, err = a.selectHosts(); err != nil {
			return err
		}
		for _, h := range hosts {
			opts.Order = append(opts.Order, h.Name)
		}
		opts.Rewaive = true
	}
	eng, err := a.engine(ctx, inv)
	if err != nil {
		return err
	}
	src, err := pipeline.Shards(eng, shards, opts)
	if err != nil {
		return usageErr(err)
	}
	fmt.Fprintf(a.stderr, "kaudit: merged %d report(s), %d host(s)\n", len(shards), src.Len())
	return a.audit(ctx, auditOptions{out: out, dests: dests, source: src, eng: eng, inv: inv})
}
