package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

type historyPruneOptions struct {
	*historyOptions
	keep time.Duration
	now  func() time.Time
}

// NewCmdHistoryPrune is `kaudit history prune --keep 90d`.
func NewCmdHistoryPrune(a *app, hopts *historyOptions) *cobra.Command {
	opts := &historyPruneOptions{historyOptions: hopts, now: time.Now}
	var keep string
	cmd := &cobra.Command{
		Use:     "prune --keep AGE",
		Short:   "Delete the runs older than --keep",
		Example: `  kaudit history prune --keep 90d --history h.db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := parseKeep(keep)
			if err != nil {
				return usageErr(err)
			}
			opts.keep = d
			return historyPruneRun(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&keep, "keep", "", "keep the runs of this last period: days (90d) or a duration (36h) (required)")
	_ = cmd.MarkFlagRequired("keep")
	return cmd
}

func historyPruneRun(ctx context.Context, a *app, opts *historyPruneOptions) error {
	s, err := a.openHistory(ctx, opts.historyOptions)
	if err != nil {
		return err
	}
	defer s.Close()
	cutoff := opts.now().Add(-opts.keep).UTC()
	n, err := s.Prune(ctx, cutoff)
	if err != nil {
		return storeErr(err)
	}
	if opts.output == "json" {
		return writeJSON(a.stdout, map[string]any{"pruned": n, "before": cutoff.Format(time.RFC3339)})
	}
	fmt.Fprintf(a.stdout, "pruned %d run(s) that started before %s from history store %s\n", n, fmtTime(cutoff), s.Name())
	return nil
}
