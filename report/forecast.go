package report

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/kaudit/kaudit/policies"
)

// ForecastCheck is the check whose evidence carries a host's forecast.
const ForecastCheck = "kmem.memcg_forecast"

// memcgIDMax is the kernel's memory cgroup ID cap (MEM_CGROUP_ID_MAX).
const memcgIDMax = 65535

// Forecast is a host's memory cgroup exhaustion forecast: the fit of
// num_cgroups over its recorded runs (kaudit's history; docs/history.md)
// and where it leads.
type Forecast struct {
	Status      string  `json:"status"`     // the kmem.memcg_forecast result
	Points      int     `json:"points"`     // runs in the series since the last reboot or drop
	SpanHours   float64 `json:"span_hours"` // first to last point of the series
	First       int64   `json:"first"`      // num_cgroups at the first point
	Last        int64   `json:"last"`       // num_cgroups now
	SlopePerDay float64 `json:"slope_per_day"`
	Target      int64   `json:"target"` // the count projected to (the cap, or its memcg_forecast_share)
	// DaysToTarget and Date: when the target is reached at this growth;
	// absent when the count does not grow or there is too little history.
	DaysToTarget *float64 `json:"days_to_target,omitempty"`
	Date         string   `json:"date,omitempty"` // YYYY-MM-DD, UTC
	// DyingSlopePerDay is the growth of dying memcgs, when known.
	DyingSlopePerDay *float64 `json:"dying_slope_per_day,omitempty"`
	// Series is num_cgroups of the recorded runs, oldest first (at most 60).
	Series []int64 `json:"series,omitempty"`
}

// ForecastOf reads a host's forecast from its kmem.memcg_forecast result;
// nil when the host has no such result or no num_cgroups series.
func ForecastOf(h *Host) *Forecast {
	i := slices.IndexFunc(h.Results, func(r policies.Result) bool { return r.ID == ForecastCheck })
	if i < 0 {
		return nil
	}
	res := h.Results[i]
	ev := res.EvidenceMap()
	fit, ok := ev["history.num_cgroups"].(map[string]any)
	if !ok {
		return nil
	}
	f := &Forecast{Status: res.Status, Target: memcgIDMax}
	pts, ok1 := num(fit["points"])
	span, ok2 := num(fit["span_hours"])
	first, ok3 := num(fit["first"])
	last, ok4 := num(fit["last"])
	slope, ok5 := num(fit["slope_per_day"])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return nil
	}
	f.Points, f.SpanHours, f.First, f.Last, f.SlopePerDay = int(pts), span, int64(first), int64(last), slope
	if share, ok := num(ev["params.memcg_forecast_share"]); ok && share > 0 && share <= 1 {
		f.Target = int64(math.Round(memcgIDMax * share))
	}
	if d, ok := ev["history.dying"].(map[string]any); ok {
		if s, ok := num(d["slope_per_day"]); ok {
			f.DyingSlopePerDay = &s
		}
	}
	if s, ok := ev["history.num_cgroups_series"].([]any); ok {
		for _, v := range s {
			if n, ok := num(v); ok && len(f.Series) < 60 {
				f.Series = append(f.Series, int64(n))
			}
		}
	}
	lastAt, _ := time.Parse(time.RFC3339, str(fit["last_at"]))
	if f.Points >= 3 && f.SpanHours >= 24 && math.Round(slope) > 0 && !lastAt.IsZero() {
		days := math.Max(float64(f.Target-f.Last), 0) / slope
		days = math.Round(days*100) / 100
		f.DaysToTarget = &days
		f.Date = lastAt.Add(time.Duration(days * 24 * float64(time.Hour))).UTC().Format("2006-01-02")
	}
	return f
}

// Soonest lists the hosts with a projected exhaustion date, soonest first.
func Soonest(r *Report) []*Host {
	var out []*Host
	for i := range r.Hosts {
		if f := r.Hosts[i].Forecast; f != nil && f.DaysToTarget != nil {
			out = append(out, &r.Hosts[i])
		}
	}
	slices.SortStableFunc(out, func(a, b *Host) int {
		return cmp.Or(cmp.Compare(*a.Forecast.DaysToTarget, *b.Forecast.DaysToTarget), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// fillForecasts sets every host's Forecast from its results.
func fillForecasts(r *Report) {
	for i := range r.Hosts {
		r.Hosts[i].Forecast = ForecastOf(&r.Hosts[i])
	}
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
