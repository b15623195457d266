package main

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
)

// Shell completion of flag values and arguments. Completion never prints and
// never fails: an inventory that does not load gives no host completions.

// completeReport completes --report FORMAT[=PATH]: the formats, then
// (after "=") file names.
func completeReport(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if strings.Contains(toComplete, "=") {
		return nil, cobra.ShellCompDirectiveDefault
	}
	var out []string
	for _, f := range report.Formats() {
		out = append(out, f, f+"=")
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeFailOn completes --fail-on with the severities.
func completeFailOn(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return slices.Clone(policies.Severities), cobra.ShellCompDirectiveNoFileComp
}

// completeCheckIDs completes check IDs of the built-in pack and -p packs.
func (a *app) completeCheckIDs(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	eng, err := a.engine(context.Background(), nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, c := range eng.Checks() {
		if strings.HasPrefix(c.ID, toComplete) {
			out = append(out, c.ID+"\t"+c.Title)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeLimit completes --limit from the inventory given with -i: host
// names, group=NAME and label.KEY=VALUE.
func (a *app) completeLimit(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(a.inventories) == 0 {
		return []string{"group=", "label."}, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
	inv, _, diags := inventory.Load(a.inventories, inventory.LoadOptions{})
	if diags.HasErrors() || inv == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return limitCandidates(inv, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// limitCandidates lists the --limit values of inv that start with prefix.
func limitCandidates(inv *inventory.Inventory, prefix string) []string {
	seen := map[string]bool{}
	for name := range inv.Groups {
		seen["group="+name] = true
	}
	for _, h := range inv.Hosts {
		seen[h.Name] = true
		for k, v := range h.Labels {
			seen["label."+k+"="+v] = true
		}
	}
	var out []string
	for c := range seen {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// registerCompletions wires the completion functions onto every command that
// has the flags.
func (a *app) registerCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, fn := range map[string]cobra.CompletionFunc{
			"report": completeReport, "fail-on": completeFailOn, "limit": a.completeLimit,
		} {
			f := c.Flags().Lookup(name)
			if f == nil {
				f = c.PersistentFlags().Lookup(name)
			}
			if f != nil && (name != "limit" || f.Value.Type() == "stringArray") {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}
