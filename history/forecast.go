package history

import (
	"math"
	"slices"
	"sort"
	"time"
)

// Forecast inputs: how far back a run looks, and how many points the Rego
// input carries at most.
const (
	// Window is how far back the history a run's forecast reads.
	Window = 30 * 24 * time.Hour
	// MaxSeries bounds the points of input.history.series and of a fit.
	MaxSeries = 60
)

// Fit is the robust growth estimate of one counter over the current series
// of a host: the points since the last reboot or drop of the counter.
type Fit struct {
	Points      int       `json:"points"`     // points in the series
	SpanHours   float64   `json:"span_hours"` // first to last point
	First       int64     `json:"first"`
	Last        int64     `json:"last"`
	FirstAt     time.Time `json:"first_at"`
	LastAt      time.Time `json:"last_at"`
	SlopePerDay float64   `json:"slope_per_day"` // Theil-Sen slope, counts per day
	// Restart says why the series starts where it does: "reboot" (the
	// kernel release or boot id changed), "drop" (the counter fell), or ""
	// (the series reaches back to the oldest point in the window).
	Restart string `json:"restart,omitempty"`
}

// sample is one value of a counter.
type sample struct {
	at     time.Time
	v      int64
	kernel string
	boot   string
}

// FitCounter fits the counter get over points (oldest first), from the last
// restart on. ok is false when fewer than 2 points carry the counter.
func FitCounter(points []Point, get func(*Point) *int64) (Fit, bool) {
	var ss []sample
	for i := range points {
		p := &points[i]
		v := get(p)
		if v == nil {
			continue
		}
		ss = append(ss, sample{at: p.At, v: *v, kernel: p.KernelRelease, boot: p.BootID})
	}
	if len(ss) == 0 {
		return Fit{}, false
	}
	start, restart := len(ss)-1, ""
	for start > 0 {
		prev, cur := ss[start-1], ss[start]
		if (prev.kernel != "" && cur.kernel != "" && prev.kernel != cur.kernel) || (prev.boot != "" && cur.boot != "" && prev.boot != cur.boot) {
			restart = "reboot"
			break
		}
		if prev.v > cur.v {
			restart = "drop"
			break
		}
		start--
	}
	ss = ss[start:]
	if len(ss) > MaxSeries {
		ss = ss[len(ss)-MaxSeries:]
	}
	first, last := ss[0], ss[len(ss)-1]
	f := Fit{
		Points:    len(ss),
		SpanHours: last.at.Sub(first.at).Hours(),
		First:     first.v,
		Last:      last.v,
		FirstAt:   first.at,
		LastAt:    last.at,
		Restart:   restart,
	}
	if len(ss) < 2 {
		return f, false
	}
	f.SlopePerDay = theilSen(ss)
	return f, true
}

// theilSen is the median of the slopes between every pair of points with
// distinct times, in counts per day: a single outlier cannot move it.
func theilSen(ss []sample) float64 {
	var slopes []float64
	for i := range ss {
		for j := i + 1; j < len(ss); j++ {
			dt := ss[j].at.Sub(ss[i].at).Hours() / 24
			if dt <= 0 {
				continue
			}
			slopes = append(slopes, float64(ss[j].v-ss[i].v)/dt)
		}
	}
	if len(slopes) == 0 {
		return 0
	}
	sort.Float64s(slopes)
	n := len(slopes)
	if n%2 == 1 {
		return slopes[n/2]
	}
	return (slopes[n/2-1] + slopes[n/2]) / 2
}

// HostSeries is the past points of a host plus the current one, oldest
// first: past points at or after the current point's time (the same facts
// recorded before, or a later run when old facts are evaluated) and
// unreachable ones are dropped, and of points at the same time (one facts
// file evaluated twice) the last is kept.
func HostSeries(past []Point, cur Point) []Point {
	out := make([]Point, 0, len(past)+1)
	for _, p := range past {
		if !p.At.Before(cur.At) || p.Status == "unreachable" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].At.Equal(p.At) {
			out[n-1] = p
			continue
		}
		out = append(out, p)
	}
	out = append(out, cur)
	if len(out) > MaxSeries {
		out = out[len(out)-MaxSeries:]
	}
	return out
}

// Input is input.history of one host's Rego input: the compact series and
// the fits of memory num_cgroups and of dying memcgs. Documented in
// docs/policies.md.
func Input(series []Point) map[string]any {
	rows := make([]any, 0, len(series))
	for _, p := range series {
		rows = append(rows, map[string]any{
			"at":             p.At.UTC().Format(time.RFC3339),
			"at_ns":          p.At.UnixNano(),
			"num_cgroups":    numOrNil(p.NumCgroups),
			"live_dirs":      numOrNil(p.LiveDirs),
			"dying":          numOrNil(p.Dying),
			"sunreclaim_kb":  numOrNil(p.SUnreclaimKB),
			"memtotal_kb":    numOrNil(p.MemTotalKB),
			"slab_caches":    numOrNil(p.SlabCaches),
			"kernel_release": p.KernelRelease,
		})
	}
	in := map[string]any{
		"runs":   len(series),
		"series": rows,
	}
	if len(series) > 0 {
		in["span_hours"] = round2(series[len(series)-1].At.Sub(series[0].At).Hours())
	} else {
		in["span_hours"] = 0.0
	}
	if f, ok := FitCounter(series, func(p *Point) *int64 { return p.NumCgroups }); ok || f.Points > 0 {
		in["num_cgroups"] = fitValue(f)
	}
	if f, ok := FitCounter(series, func(p *Point) *int64 { return p.Dying }); ok || f.Points > 0 {
		in["dying"] = fitValue(f)
	}
	return in
}

func fitValue(f Fit) map[string]any {
	return map[string]any{
		"points":        f.Points,
		"span_hours":    round2(f.SpanHours),
		"first":         f.First,
		"last":          f.Last,
		"first_at":      f.FirstAt.Format(time.RFC3339),
		"last_at":       f.LastAt.Format(time.RFC3339),
		"last_at_ns":    f.LastAt.UnixNano(),
		"slope_per_day": round2(f.SlopePerDay),
		"restart":       f.Restart,
	}
}

func numOrNil(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Names lists the hosts of a series map, sorted.
func Names(m map[string][]Point) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// MemcgIDMax is the memory cgroup ID cap of the kernel (MEM_CGROUP_ID_MAX).
const MemcgIDMax = 65535

// DaysTo is how many days after LastAt the fit reaches target; ok is false
// when the counter does not grow.
func (f Fit) DaysTo(target float64) (days float64, ok bool) {
	if f.SlopePerDay < 0.5 {
		return 0, false
	}
	return max(target-float64(f.Last), 0) / f.SlopePerDay, true
}

// Enough reports whether the fit has the history a forecast needs: at
// least 3 points over at least 24 hours (the kmem.memcg_forecast rule's
// forecast_min_points and forecast_min_hours).
func (f Fit) Enough() bool { return f.Points >= 3 && f.SpanHours >= 24 }
