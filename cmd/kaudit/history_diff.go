package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/history"
)

type historyDiffOptions struct {
	*historyOptions
	a, b string // run references
}

// NewCmdHistoryDiff is `kaudit history diff [RUN_A] [RUN_B]`.
func NewCmdHistoryDiff(a *app, hopts *historyOptions) *cobra.Command {
	opts := &historyDiffOptions{historyOptions: hopts}
	return &cobra.Command{
		Use:   "diff [RUN_A] [RUN_B]",
		Short: "Compare two runs: new and fixed failures, hosts added or gone, version changes",
		Long: `diff compares run RUN_A (older) with RUN_B (newer). A run is its ID (or a
unique prefix, as history runs lists them), latest, or latest~N. Without
arguments it compares the last two runs; with one, that run and the latest.`,
		Example: `  kaudit history diff --history h.db
  kaudit history diff 3f2a latest --history h.db -o json`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.a, opts.b = "latest~1", "latest"
			switch len(args) {
			case 1:
				opts.a = args[0]
			case 2:
				opts.a, opts.b = args[0], args[1]
			}
			return historyDiffRun(cmd.Context(), a, opts)
		},
	}
}

func historyDiffRun(ctx context.Context, a *app, opts *historyDiffOptions) error {
	s, err := a.openHistory(ctx, opts.historyOptions)
	if err != nil {
		return err
	}
	defer s.Close()
	ra, err := s.FindRun(ctx, opts.a)
	if err != nil {
		return storeErr(err)
	}
	rb, err := s.FindRun(ctx, opts.b)
	if err != nil {
		return storeErr(err)
	}
	pa, err := s.RunPoints(ctx, ra.ID)
	if err != nil {
		return storeErr(err)
	}
	pb, err := s.RunPoints(ctx, rb.ID)
	if err != nil {
		return storeErr(err)
	}
	d := history.Compare(ra, rb, pa, pb)
	if opts.output == "json" {
		return writeJSON(a.stdout, d)
	}
	return writeDiff(a.stdout, d)
}

func writeDiff(w io.Writer, d history.Diff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s (%s, %d hosts) → run %s (%s, %d hosts)\n", d.A.ID, fmtTime(d.A.StartedAt), d.A.Hosts, d.B.ID, fmtTime(d.B.StartedAt), d.B.Hosts)
	section := func(title string, n int) bool {
		fmt.Fprintf(&b, "%s: %d\n", title, n)
		return n > 0
	}
	if section("new failures", len(d.NewFailures)) {
		for _, c := range d.NewFailures {
			fmt.Fprintf(&b, "  %s  %s  %s → fail\n", c.Host, c.Check, dash(c.Was))
		}
	}
	if section("fixed", len(d.Fixed)) {
		for _, c := range d.Fixed {
			fmt.Fprintf(&b, "  %s  %s  fail → %s\n", c.Host, c.Check, c.Now)
		}
	}
	if section("hosts added", len(d.HostsAdded)) {
		fmt.Fprintf(&b, "  %s\n", strings.Join(d.HostsAdded, ", "))
	}
	if section("hosts gone", len(d.HostsGone)) {
		fmt.Fprintf(&b, "  %s\n", strings.Join(d.HostsGone, ", "))
	}
	if section("changes", len(d.Changes)) {
		for _, c := range d.Changes {
			fmt.Fprintf(&b, "  %s  %s  %s → %s\n", c.Host, c.Field, c.Was, c.Now)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
