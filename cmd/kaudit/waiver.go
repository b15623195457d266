package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/internal/pipeline/waiver"
)

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
				fmt.Fprintf(a.stdout, "no waivers in %s\n", pipeline.InventoryLabel(inv))
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
