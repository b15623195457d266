package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

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
			fleet := a.collect(cmd.Context(), inv, hosts)
			if outPath == "" || outPath == "-" {
				return facts.WriteFleetFacts(a.stdout, fleet)
			}
			if err := report.WriteFileAtomic(outPath, func(w io.Writer) error { return facts.WriteFleetFacts(w, fleet) }); err != nil {
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

// collect runs the pipeline's collection source alone (kaudit facts: no
// evaluation), with a progress line on a terminal.
func (a *app) collect(ctx context.Context, inv *inventory.Inventory, hosts []*inventory.Host) *facts.FleetFacts {
	started := time.Now()
	src := pipeline.Collect(inv, hosts, probes.Options{Concurrency: a.concurrency})
	prog := newProgress(a.stderr, src.Len(), isTerminal(a.stderr) && a.getenv("CI") == "")
	ff := &facts.FleetFacts{
		Schema:      facts.FleetSchema,
		ToolVersion: toolVersion,
		Inventory:   pipeline.InventoryLabel(inv),
		CollectedAt: started.UTC().Format(time.RFC3339),
		Hosts:       make([]facts.FleetHost, src.Len()),
	}
	done := 0
	ff.Interrupted = src.Hosts(ctx, func(i int, h pipeline.Host) {
		done++
		prog.update(done, len(ff.Hosts), &h)
		ff.Hosts[i] = h.FleetHost
	})
	prog.clear()
	if ff.Interrupted {
		fmt.Fprintln(a.stderr, "kaudit: interrupted; reporting what was collected")
	}
	return ff
}
