package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) gateCommand() *cobra.Command {
	var out outputFlags
	var planPath, factsPath string
	cmd := &cobra.Command{
		Use:   "gate",
		Short: "Pre-upgrade gate: go / no-go per node and for the fleet",
		Long: `gate collects the current facts (or reads --facts), applies the upgrade plan to
derive the projected facts, evaluates the pack on both and decides go / no-go
per host and for the fleet. Exit 0 only when the gate passes.`,
		Example: `  kaudit gate -i prod.hcl --plan upgrade.hcl
  kaudit gate --facts facts.json --plan upgrade.hcl --report html=gate.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr(fmt.Errorf("gate is not available in this build yet (see docs/gate.md when it lands)"))
		},
	}
	out.register(cmd)
	cmd.Flags().StringVar(&planPath, "plan", "", "upgrade plan (HCL)")
	cmd.Flags().StringVar(&factsPath, "facts", "", "evaluate saved facts instead of collecting")
	return cmd
}

func (a *app) waiverCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "waiver",
		Short: "Inspect waivers declared in the inventory",
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "Show each waiver with its state and the hosts it covers",
		Example: `  kaudit waiver list -i prod.hcl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr(fmt.Errorf("waiver list is not available in this build yet"))
		},
	})
	return cmd
}
