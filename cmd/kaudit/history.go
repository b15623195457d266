package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/history"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// exitHistory: the reports were written, but the run could not be recorded
// in the history store (docs/history.md). It replaces 0, 1 and 3: read the
// verdict from the reports.
const exitHistory = 4

// historyFlag is --history of run, eval and gate.
type historyFlag struct{ target string }

func (h *historyFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&h.target, "history", "", "record the run in this history store: a SQLite file or a postgres:// URL (default: the inventory's history block; docs/history.md)")
}

// historyTarget is --history, else the inventory's history block, else "".
func historyTarget(flag string, inv *inventory.Inventory) string {
	if flag != "" {
		return flag
	}
	if inv != nil && inv.History != nil {
		return inv.History.URL
	}
	return ""
}

// beginHistory opens the store for a run (nil without one). A store that
// cannot be opened is reported now; the run goes on, its forecast is
// unknown and the exit code will be exitHistory.
func (a *app) beginHistory(ctx context.Context, target string, now time.Time) *history.Session {
	if target == "" {
		return nil
	}
	s := history.Begin(ctx, target, now)
	if err := s.Err(); err != nil {
		fmt.Fprintf(a.stderr, "kaudit: %v; the run goes on without history\n", err)
	}
	return s
}

// historyInput is pipeline.Meta.History for a session (nil without one).
func historyInput(s *history.Session, started time.Time) func(facts.FleetHost) map[string]any {
	if s == nil {
		return nil
	}
	return func(h facts.FleetHost) map[string]any { return s.Input(h.Name, h.Facts, started) }
}

// recordHistory records r once the reports are written (written is what
// writing them and choosing the exit code returned) and closes the session.
// A failure to record is printed and turns the exit code into exitHistory,
// unless the reports themselves failed (exit 2 stays).
func (a *app) recordHistory(ctx context.Context, s *history.Session, r *report.Report, written error) error {
	if s == nil {
		return written
	}
	defer s.Close()
	name := ""
	if st := s.Store(); st != nil {
		name = st.Name()
	}
	var ee *exitError
	if errors.As(written, &ee) && ee.code == exitUsage {
		return written
	}
	run, added, err := s.Record(context.WithoutCancel(ctx), r)
	if err != nil {
		if s.Err() == nil { // an open failure was printed already
			fmt.Fprintf(a.stderr, "kaudit: %v\n", err)
		}
		return &exitError{code: exitHistory, err: errors.New("the run was not recorded in the history (the reports were written)")}
	}
	if added {
		fmt.Fprintf(a.stderr, "kaudit: recorded run %s (%d host(s)) in history store %s\n", run.ID, run.Hosts, name)
	} else {
		fmt.Fprintf(a.stderr, "kaudit: run %s is already in history store %s\n", run.ID, name)
	}
	return written
}

// historyOptions are the options every kaudit history subcommand shares.
type historyOptions struct {
	target string // --history
	output string // -o: text or json
}

// NewCmdHistory is `kaudit history` and its subcommands.
func NewCmdHistory(a *app) *cobra.Command {
	opts := &historyOptions{}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Record, list, compare and prune the run history; per-host timelines",
		Long: `history reads the run history that run, eval and gate record with --history
(or the inventory's history block): a SQLite file or a PostgreSQL database.
See docs/history.md.`,
		Example: `  kaudit history import --history h.db reports/*.json
  kaudit history runs --history h.db
  kaudit history host node-17 --history h.db
  kaudit history diff --history h.db
  kaudit history prune --keep 90d --history postgres://kaudit@db/kaudit`,
	}
	pf := cmd.PersistentFlags()
	a.bindScope(pf, scopeInventory)
	pf.StringVar(&opts.target, "history", "", "history store: a SQLite file or a postgres:// URL (default: the inventory's history block)")
	pf.StringVarP(&opts.output, "output", "o", "text", "text or json")
	cmd.AddCommand(
		NewCmdHistoryImport(a, opts),
		NewCmdHistoryRuns(a, opts),
		NewCmdHistoryHost(a, opts),
		NewCmdHistoryDiff(a, opts),
		NewCmdHistoryPrune(a, opts),
	)
	return cmd
}

// openHistory opens the store of a history subcommand: --history, else
// the history block of the -i inventory.
func (a *app) openHistory(ctx context.Context, opts *historyOptions) (*history.Store, error) {
	if opts.output != "text" && opts.output != "json" {
		return nil, usageErr(fmt.Errorf("-o %q: want text or json", opts.output))
	}
	target := opts.target
	if target == "" && len(a.inventories) > 0 {
		inv, err := a.loadInventory()
		if err != nil {
			return nil, err
		}
		target = historyTarget("", inv)
	}
	if target == "" {
		return nil, usageErr(errors.New("no history store: give --history PATH_OR_URL or a history block in the inventory (-i)"))
	}
	s, err := history.Open(ctx, target)
	if err != nil {
		return nil, &exitError{code: exitHistory, err: err}
	}
	return s, nil
}

// storeErr maps a failure of the store to exitHistory.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, history.ErrNoRun) {
		return usageErr(err)
	}
	return &exitError{code: exitHistory, err: err}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// fmtTime is a time in history's text output.
func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// fmtCount prints a counter with thousands separators; "-" when not collected.
func fmtCount(v *int64) string {
	if v == nil {
		return "-"
	}
	return commas(*v)
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// parseKeep parses --keep: a Go duration or a number of days ("90d").
func parseKeep(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("--keep %q: want a number of days (90d) or a duration (36h)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("--keep %q: want a number of days (90d) or a duration (36h)", s)
	}
	return d, nil
}
