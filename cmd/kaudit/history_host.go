package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaudit/kaudit/history"
)

type historyHostOptions struct {
	*historyOptions
	host  string
	since time.Duration
}

// NewCmdHistoryHost is `kaudit history host NAME`.
func NewCmdHistoryHost(a *app, hopts *historyOptions) *cobra.Command {
	opts := &historyHostOptions{historyOptions: hopts}
	var since string
	cmd := &cobra.Command{
		Use:   "host NAME",
		Short: "A host's timeline: status, counters, version changes, reboots",
		Long: `host prints one line per recorded run of the host: its status, memory
num_cgroups, dying memcgs, SUnreclaim, slab caches and kernel, with what changed
since the run before (versions, status) and reboots marked (the kernel or boot
id changed, or num_cgroups fell). The last line is the num_cgroups forecast.`,
		Example: `  kaudit history host node-17 --history h.db
  kaudit history host node-17 --history h.db --since 30d -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.host = args[0]
			if since != "" {
				d, err := parseKeep(since)
				if err != nil {
					return usageErr(fmt.Errorf("--since: %w", err))
				}
				opts.since = d
			}
			return historyHostRun(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only runs this recent (90d, 36h); default all")
	return cmd
}

type hostTimeline struct {
	Host     string          `json:"host"`
	Entries  []history.Entry `json:"entries"`
	Forecast *hostForecast   `json:"forecast"`
}

type hostForecast struct {
	history.Fit
	Enough    bool     `json:"enough"`
	DaysToCap *float64 `json:"days_to_cap"` // nil when flat
	CapDate   string   `json:"cap_date,omitempty"`
}

func historyHostRun(ctx context.Context, a *app, opts *historyHostOptions) error {
	s, err := a.openHistory(ctx, opts.historyOptions)
	if err != nil {
		return err
	}
	defer s.Close()
	var since time.Time
	if opts.since > 0 {
		since = time.Now().Add(-opts.since)
	}
	pts, err := s.HostPoints(ctx, opts.host, since)
	if err != nil {
		return storeErr(err)
	}
	if len(pts) == 0 {
		return usageErr(fmt.Errorf("host %q has no runs in history store %s", opts.host, s.Name()))
	}
	tl := hostTimeline{Host: opts.host, Entries: history.Timeline(pts)}
	if f, ok := history.FitCounter(pts, func(p *history.Point) *int64 { return p.NumCgroups }); ok {
		fc := &hostForecast{Fit: f, Enough: f.Enough()}
		if d, ok := f.DaysTo(history.MemcgIDMax); ok && !math.IsInf(d, 0) {
			fc.DaysToCap = &d
			fc.CapDate = f.LastAt.Add(time.Duration(d * 24 * float64(time.Hour))).Format("2006-01-02")
		}
		tl.Forecast = fc
	}
	if opts.output == "json" {
		return writeJSON(a.stdout, tl)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tRUN\tSTATUS\tNUM_CGROUPS\tDYING\tSUNRECLAIM_KB\tSLAB_CACHES\tKERNEL\tEVENTS")
	for _, e := range tl.Entries {
		ev := strings.Join(e.Events, "; ")
		if e.Reboot {
			ev = strings.TrimSuffix("REBOOT; "+ev, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", fmtTime(e.At), e.RunID, e.Status, fmtCount(e.NumCgroups), fmtCount(e.Dying),
			fmtCount(e.SUnreclaimKB), fmtCount(e.SlabCaches), dash(e.KernelRelease), ev)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, forecastLine(tl.Forecast))
	return nil
}

// forecastLine is the text summary of a host's num_cgroups fit.
func forecastLine(fc *hostForecast) string {
	if fc == nil {
		return "forecast: no num_cgroups series"
	}
	since := ""
	switch fc.Restart {
	case "reboot":
		since = " since the last reboot"
	case "drop":
		since = " since num_cgroups last fell"
	}
	head := fmt.Sprintf("forecast: num_cgroups %+.0f/day over %d run(s), %.0f h%s (%s → %s)", fc.SlopePerDay, fc.Points, fc.SpanHours, since, commas(fc.First), commas(fc.Last))
	switch {
	case !fc.Enough:
		return head + "; not enough history (needs 3 runs over 24 h)"
	case fc.DaysToCap == nil:
		return head + "; flat"
	}
	return fmt.Sprintf("%s; %s reached in ~%.0f days (%s)", head, commas(history.MemcgIDMax), *fc.DaysToCap, fc.CapDate)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
