package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
)

// outputFlags are the report flags shared by run, eval and gate.
type outputFlags struct {
	reports  []string
	factsOut string
	baseline string
	failOn   string
	// noFactsOut leaves --facts-out out (eval: the facts are its input).
	noFactsOut bool
}

func (o *outputFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.reports, "report", nil, "report FORMAT[=PATH]: "+strings.Join(report.Formats(), ", ")+" (repeatable; default text on stdout)")
	if !o.noFactsOut {
		f.StringVar(&o.factsOut, "facts-out", "", "also save the collected facts to this file (re-evaluate with kaudit eval)")
	}
	f.StringVar(&o.baseline, "baseline", "", "earlier JSON report: mark results new / fixed / unchanged")
	f.StringVar(&o.failOn, "fail-on", "high", "lowest severity whose failure fails a host and the exit code: critical, high, medium, low, info")
}

// reportDest is one --report value: a format and where it goes.
type reportDest struct {
	format string
	path   string // "" = stdout
}

func (o *outputFlags) dests() ([]reportDest, error) {
	if err := policies.ValidateFailOn(o.failOn); err != nil {
		return nil, fmt.Errorf("--%w", err)
	}
	specs := o.reports
	if len(specs) == 0 {
		specs = []string{"text"}
	}
	var out []reportDest
	stdout := 0
	for _, s := range specs {
		format, path, _ := strings.Cut(s, "=")
		format = strings.ToLower(strings.TrimSpace(format))
		if fs := report.Formats(); !slices.Contains(fs, format) {
			return nil, fmt.Errorf("--report %q: unknown format %q (want %s or %s)", s, format, strings.Join(fs[:len(fs)-1], ", "), fs[len(fs)-1])
		}
		if path == "" {
			path = report.DefaultFile(format)
		}
		if path == "" || path == "-" {
			path = ""
			stdout++
		}
		out = append(out, reportDest{format: format, path: path})
	}
	if stdout > 1 {
		return nil, fmt.Errorf("--report: only one report can go to stdout; give the others a path (FORMAT=PATH)")
	}
	return out, nil
}

// writeReports renders r to every target. Files are written atomically.
func (a *app) writeReports(r *report.Report, dests []reportDest) error {
	for _, t := range dests {
		var w io.Writer = a.stdout
		opts := report.Options{Verbose: a.verbose, Describe: a.describe}
		if t.path == "" {
			opts.Color = a.colorFor(a.stdout)
			opts.Width = terminalWidth(a.stdout)
		}
		rd, err := report.New(t.format, opts)
		if err != nil {
			return err
		}
		if t.path == "" {
			if err := rd.Render(w, r); err != nil {
				return fmt.Errorf("render %s: %w", t.format, err)
			}
			continue
		}
		if err := report.WriteFileAtomic(t.path, func(w io.Writer) error { return rd.Render(w, r) }); err != nil {
			return fmt.Errorf("write %s report %s: %w", t.format, t.path, err)
		}
		fmt.Fprintf(a.stderr, "kaudit: wrote %s report to %s\n", t.format, t.path)
	}
	return nil
}
