package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/history"
)

type historyRunsOptions struct {
	*historyOptions
	limit int
}

// NewCmdHistoryRuns is `kaudit history runs`.
func NewCmdHistoryRuns(a *app, hopts *historyOptions) *cobra.Command {
	opts := &historyRunsOptions{historyOptions: hopts}
	cmd := &cobra.Command{
		Use:     "runs",
		Short:   "List the recorded runs, newest first",
		Example: `  kaudit history runs --history h.db --limit 10`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return historyRunsRun(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().IntVar(&opts.limit, "limit", 30, "newest runs to list (0: all)")
	return cmd
}

func historyRunsRun(ctx context.Context, a *app, opts *historyRunsOptions) error {
	s, err := a.openHistory(ctx, opts.historyOptions)
	if err != nil {
		return err
	}
	defer s.Close()
	runs, err := s.Runs(ctx, opts.limit)
	if err != nil {
		return storeErr(err)
	}
	if opts.output == "json" {
		if runs == nil {
			runs = []history.Run{}
		}
		return writeJSON(a.stdout, runs)
	}
	if len(runs) == 0 {
		fmt.Fprintf(a.stdout, "no runs in history store %s\n", s.Name())
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED\tHOSTS\tNONCOMPLIANT\tUNREACHABLE\tSOURCE\tINVENTORY")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", r.ID, fmtTime(r.StartedAt), r.Hosts, r.Noncompliant, r.Unreachable, r.Source, r.Inventory)
	}
	return tw.Flush()
}
