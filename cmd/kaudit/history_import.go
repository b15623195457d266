package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/history"
)

type historyImportOptions struct {
	*historyOptions
	files []string
}

// NewCmdHistoryImport is `kaudit history import REPORT.json...`.
func NewCmdHistoryImport(a *app, hopts *historyOptions) *cobra.Command {
	opts := &historyImportOptions{historyOptions: hopts}
	return &cobra.Command{
		Use:   "import REPORT.json...",
		Short: "Record earlier JSON reports (kaudit.report/v1) in the history",
		Long: `import records the runs of JSON reports written with --report json=PATH: each
carries its times, its hosts' statuses and facts. Importing a report twice, or
one whose run was recorded with --history, changes nothing.`,
		Example: `  kaudit history import --history h.db archive/2026-*/report.json`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return historyImportRun(cmd.Context(), a, opts)
		},
	}
}

type importResult struct {
	File  string `json:"file"`
	Run   string `json:"run,omitempty"`
	Hosts int    `json:"hosts,omitempty"`
	Added bool   `json:"added"`
	Error string `json:"error,omitempty"`
}

func historyImportRun(ctx context.Context, a *app, opts *historyImportOptions) error {
	s, err := a.openHistory(ctx, opts.historyOptions)
	if err != nil {
		return err
	}
	defer s.Close()
	var results []importResult
	bad := 0
	for _, path := range opts.files {
		res := importResult{File: path}
		r, err := readReport(path)
		if err == nil {
			var run history.Run
			run, res.Added, err = s.Record(ctx, r, history.SourceImport)
			res.Run, res.Hosts = run.ID, run.Hosts
			var he *history.Error
			if errors.As(err, &he) && he.Op != "record" {
				return storeErr(err) // the store failed, not the file
			}
		}
		if err != nil {
			res.Error = err.Error()
			bad++
		}
		results = append(results, res)
	}
	if opts.output == "json" {
		if err := writeJSON(a.stdout, results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			switch {
			case r.Error != "":
				fmt.Fprintf(a.stdout, "%s: not imported: %s\n", r.File, r.Error)
			case r.Added:
				fmt.Fprintf(a.stdout, "%s: imported run %s (%d host(s))\n", r.File, r.Run, r.Hosts)
			default:
				fmt.Fprintf(a.stdout, "%s: run %s is already recorded\n", r.File, r.Run)
			}
		}
	}
	if bad > 0 {
		return usageErr(fmt.Errorf("%d of %d report(s) not imported", bad, len(opts.files)))
	}
	return nil
}
