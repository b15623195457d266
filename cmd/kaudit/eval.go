package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/facts"
)

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
			dests, err := out.dests()
			if err != nil {
				return usageErr(err)
			}
			if (factsPath == "") == (len(sosPaths) == 0) {
				return usageErr(errors.New("eval needs --facts FILE or --sosreport PATH (not both)"))
			}
			var ff *facts.FleetFacts
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
			return a.audit(cmd.Context(), auditOptions{
				out:     &out,
				dests:   dests,
				source:  pipeline.Saved(ff),
				eng:     eng,
				inv:     inv,
				label:   ff.Inventory,
				history: hist.target,
			})
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

func readFactsFile(path string) (*facts.FleetFacts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--facts: %w", err)
	}
	defer f.Close()
	ff, err := facts.ReadFleetFacts(f)
	if err != nil {
		return nil, fmt.Errorf("--facts %s: %w", path, err)
	}
	return ff, nil
}
