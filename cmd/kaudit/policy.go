package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/policies"
)

func (a *app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "List, explain and test policy checks",
	}
	a.bindScope(cmd.PersistentFlags(), scopePolicy)
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List every check: id, severity, title, pack",
		Example: `  kaudit policy list
  kaudit policy list -p ./my-policies`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, err := a.engine(cmd.Context(), nil)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tTITLE\tPACK")
			for _, c := range eng.Checks() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Title, c.Pack)
			}
			return tw.Flush()
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:               "show ID",
		Short:             "Explain a check: what it checks, why, sources and remediation",
		Example:           `  kaudit policy show kmem.risk`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeCheckIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.engine(cmd.Context(), nil)
			if err != nil {
				return err
			}
			doc, ok := eng.Describe(args[0])
			if !ok {
				var ids []string
				for _, c := range eng.Checks() {
					ids = append(ids, c.ID)
				}
				return usageErr(fmt.Errorf("no check %q; checks: %s", args[0], strings.Join(ids, ", ")))
			}
			return writeCheckDoc(a.stdout, doc)
		},
	})
	var verbose bool
	test := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run Rego unit tests (*_test.rego) of the built-in pack or of DIRs",
		Example: `  kaudit policy test
  kaudit policy test examples/policies`,
		RunE: func(cmd *cobra.Command, args []string) error {
			passed, failed, err := policies.RunTests(cmd.Context(), args, a.stdout, verbose)
			if err != nil {
				return usageErr(fmt.Errorf("policy test: %w", err))
			}
			fmt.Fprintf(a.stdout, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return &exitError{code: exitFailures}
			}
			return nil
		},
	}
	test.Flags().BoolVar(&verbose, "verbose-tests", false, "print every test")
	cmd.AddCommand(test)
	return cmd
}

// writeCheckDoc prints a check's metadata for `kaudit policy show`.
func writeCheckDoc(w io.Writer, d policies.CheckDoc) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n", d.ID, d.Title)
	fmt.Fprintf(&b, "severity: %s   pack: %s (%s)\n\n", d.Severity, d.Pack, d.Origin)
	if d.Description != "" {
		fmt.Fprintf(&b, "What it checks and why\n%s\n\n", indent(d.Description))
	}
	if d.Remediation != "" {
		fmt.Fprintf(&b, "Remediation\n%s\n\n", indent(d.Remediation))
	}
	if len(d.Sources) > 0 {
		b.WriteString("Sources\n")
		for _, s := range d.Sources {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}
