package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/inventory"
)

func (a *app) inventoryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Validate an inventory and show the hosts it resolves to",
	}
	a.bindScope(cmd.PersistentFlags(), scopeInventory|scopeLimit|scopeShard)
	cmd.AddCommand(&cobra.Command{
		Use:   "validate",
		Short: "Check inventory files for errors without contacting any host",
		Example: `  kaudit inventory validate -i examples/prod.hcl
  kaudit inventory validate -i inventories/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(a.inventories) == 0 {
				return usageErr(fmt.Errorf("inventory validate needs -i FILE"))
			}
			_, hosts, err := a.selectHosts()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "inventory OK: %d host(s)\n", len(hosts))
			return nil
		},
	})
	var format string
	hostsCmd := &cobra.Command{
		Use:   "hosts",
		Short: "Show each selected host's effective settings (secrets redacted)",
		Example: `  kaudit inventory hosts -i prod.hcl
  kaudit inventory hosts -i prod.hcl --limit group=workers -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, hosts, err := a.selectHosts()
			if err != nil {
				return err
			}
			switch format {
			case "table":
				return inventory.WriteHostsTable(a.stdout, hosts)
			case "json":
				eff := make([]inventory.EffectiveHost, len(hosts))
				for i, h := range hosts {
					eff[i] = h.Effective()
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(eff)
			default:
				return usageErr(fmt.Errorf("-o %q: want table or json", format))
			}
		},
	}
	hostsCmd.Flags().StringVarP(&format, "output", "o", "table", "table or json")
	cmd.AddCommand(hostsCmd)
	return cmd
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kaudit's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(a.stdout, "kaudit %s\n", toolVersion)
			return err
		},
	}
}
