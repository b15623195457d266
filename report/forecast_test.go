package report

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
)

// forecastResult is a kmem.memcg_forecast result as the engine returns it
// (numbers int64 or float64).
func forecastResult(status string, last int64, slope float64) policies.Result {
	return policies.Result{ID: ForecastCheck, Title: "forecast", Severity: "high", Status: status, Message: "m",
		Evidence: map[string]any{
			"history.num_cgroups": map[string]any{
				"points": int64(7), "span_hours": int64(144), "first": int64(48120), "last": last,
				"first_at": "2026-11-27T00:00:00Z", "last_at": "2026-12-03T00:00:00Z", "slope_per_day": slope,
			},
			"history.dying":               map[string]any{"slope_per_day": 12.5},
			"history.num_cgroups_series":  []any{int64(48120), int64(51800), last},
			"params.memcg_forecast_share": 1.0,
		}}
}

func forecastReport() *Report {
	num, live, slab := 59160, 300, 812
	f := &facts.Facts{Schema: facts.Schema, Sources: map[string]*facts.Source{}}
	f.Boot.Persisted = []facts.BootConfig{}
	f.Runtimes.Runc = []facts.Binary{}
	f.Cgroup.MemoryNumCgroups, f.Cgroup.MemoryLiveDirs, f.Kmem.SlabEntries = &num, &live, &slab
	f.Memory.Meminfo = map[string]int64{"SUnreclaim": 210228, "MemTotal": 16267400}
	f.Kernel.Release = "3.10.0-1127.el7.x86_64"
	f.Runtimes.Runc = []facts.Binary{{Name: "runc", Version: "1.0.0-rc10"}}
	f.KernelLog.Signatures = map[string]*facts.Signature{"cgroup_enospc": {Count: 4}}
	r := &Report{
		Schema: Schema, ToolVersion: "t", StartedAt: "2026-12-03T00:00:00Z", FinishedAt: "2026-12-03T00:01:30Z", FailOn: "high",
		Hosts: []Host{
			{Name: "slow", Address: "slow", Groups: []string{}, Labels: map[string]string{}, Facts: f, Results: []policies.Result{forecastResult("pass", 1000, 10)}},
			{Name: `fast "one"`, Address: "fast", Groups: []string{}, Labels: map[string]string{}, Facts: f, Results: []policies.Result{forecastResult("fail", 59160, 1840)}},
			{Name: "flat", Address: "flat", Groups: []string{}, Labels: map[string]string{}, Results: []policies.Result{forecastResult("pass", 500, 0)}},
			{Name: "gone", Address: "gone", Groups: []string{}, Labels: map[string]string{}, Status: HostUnreachable, Reason: "timeout", Results: []policies.Result{}},
		},
	}
	Finalize(r, "high")
	return r
}

func TestForecastOf(t *testing.T) {
	r := forecastReport()
	f := r.Hosts[1].Forecast
	if f == nil || f.Status != "fail" || f.Last != 59160 || f.SlopePerDay != 1840 || f.Target != 65535 || f.DaysToTarget == nil ||
		*f.DaysToTarget != 3.46 || f.Date != "2026-12-06" || f.DyingSlopePerDay == nil || *f.DyingSlopePerDay != 12.5 {
		t.Errorf("fast forecast = %+v", f)
	}
	if f := r.Hosts[2].Forecast; f == nil || f.DaysToTarget != nil {
		t.Errorf("flat forecast = %+v, want no date", f)
	}
	if r.Hosts[3].Forecast != nil {
		t.Errorf("unreachable host has a forecast")
	}
	hs := Soonest(r)
	if len(hs) != 2 || hs[0].Name != `fast "one"` || hs[1].Name != "slow" {
		t.Errorf("Soonest = %v", hs)
	}
	// share: the target moves
	res := forecastResult("fail", 59160, 1840)
	res.Evidence["params.memcg_forecast_share"] = 0.9
	if f := ForecastOf(&Host{Results: []policies.Result{res}}); f.Target != 58982 || *f.DaysToTarget != 0 {
		t.Errorf("share 0.9 = %+v", f)
	}
	// garbage evidence gives no forecast
	res.Evidence["history.num_cgroups"] = map[string]any{"points": "x"}
	if f := ForecastOf(&Host{Results: []policies.Result{res}}); f != nil {
		t.Errorf("garbage = %+v", f)
	}
}

func TestForecastInJSONAndText(t *testing.T) {
	r := forecastReport()
	var js bytes.Buffer
	if err := (JSON{}).Render(&js, r); err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(t, reportSchema(t), js.Bytes()); err != nil {
		t.Errorf("schema: %v", err)
	}
	if !strings.Contains(js.String(), `"days_to_target": 3.46`) || !strings.Contains(js.String(), `"date": "2026-12-06"`) {
		t.Errorf("JSON lacks the forecast:\n%s", js.String())
	}
	var txt bytes.Buffer
	if err := (&Text{}).Render(&txt, r); err != nil {
		t.Fatal(err)
	}
	out := txt.String()
	i, j := strings.Index(out, `fast "one"  65,535 reached in ~3 days (2026-12-06): 48,120 → 59,160 at 1,840/day`), strings.Index(out, "slow  65,535 reached in ~6,454 days")
	if !strings.Contains(out, "SOONEST EXHAUSTION  2 host(s)") || i < 0 || j < i {
		t.Errorf("text lacks the soonest exhaustion lines in order:\n%s", out)
	}
}

func TestPromParsesBack(t *testing.T) {
	r := forecastReport()
	var buf bytes.Buffer
	if err := (Prom{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, buf.String())
	}
	get := func(name string, labels map[string]string) (float64, bool) {
		mf, ok := mfs[name]
		if !ok {
			return 0, false
		}
	next:
		for _, m := range mf.Metric {
			got := map[string]string{}
			for _, l := range m.Label {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return m.GetGauge().GetValue(), true
		}
		return 0, false
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kaudit_memcg_exhaustion_seconds", map[string]string{"host": `fast "one"`}, 3.46 * 86400},
		{"kaudit_memcg_growth_per_day", map[string]string{"host": "slow"}, 10},
		{"kaudit_memcg_num_cgroups", map[string]string{"host": "slow"}, 59160},
		{"kaudit_memcg_dying", map[string]string{"host": "slow"}, 58860},
		{"kaudit_slab_unreclaimable_bytes", map[string]string{"host": "slow"}, 210228 * 1024},
		{"kaudit_kernel_log_signature_matches", map[string]string{"host": "slow", "signature": "cgroup_enospc"}, 4},
		{"kaudit_check_status", map[string]string{"host": `fast "one"`, "check": ForecastCheck, "status": "fail"}, 1},
		{"kaudit_host_status", map[string]string{"host": "gone", "status": "unreachable"}, 1},
		{"kaudit_unreachable_hosts", nil, 1},
		{"kaudit_hosts", map[string]string{"status": "noncompliant"}, 1},
		{"kaudit_run_duration_seconds", nil, 90},
		{"kaudit_run_timestamp_seconds", nil, 1796256000},
	} {
		got, ok := get(c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if _, ok := get("kaudit_memcg_exhaustion_seconds", map[string]string{"host": "flat"}); ok {
		t.Errorf("a flat host has a days-to-exhaustion sample")
	}
}

// TestPromtoolAcceptsTheExposition runs Debian's promtool (package
// prometheus, make deps) on the output, as the textfile collector's users
// would.
func TestPromtoolAcceptsTheExposition(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("promtool not found (CI=true needs it; make deps installs prometheus): %v", err)
		}
		t.Skip("promtool not found; install Debian's prometheus package (make deps)")
	}
	path := filepath.Join(t.TempDir(), "kaudit.prom")
	if err := WriteFileAtomic(path, func(w io.Writer) error { return (Prom{}).Render(w, forecastReport()) }); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = f
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestForecastInHTML(t *testing.T) {
	r := forecastReport()
	if f := r.Hosts[1].Forecast; len(f.Series) != 3 || f.Series[2] != 59160 {
		t.Fatalf("series = %v", f.Series)
	}
	var buf bytes.Buffer
	if err := (HTML{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	i := strings.Index(out, `id="h-soonest"`)
	a, b := strings.Index(out, `fast &#34;one&#34;`), strings.Index(out, `>slow</a>`)
	if i < 0 || a < i || b < a {
		t.Fatalf("no soonest-exhaustion table with the fast host first (%d %d %d)", i, a, b)
	}
	if !strings.Contains(out, `65,535 in ~3 days (2026-12-06)`) || !strings.Contains(out, `<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="2.0,22.0 60.0,15.3 118.0,2.0"/>`) {
		t.Errorf("table lacks the date or the sparkline:\n%s", out[i:min(len(out), i+3000)])
	}
	if strings.Contains(out[i:], "<script>alert") {
		t.Errorf("unescaped host name")
	}
}

func TestSparkPoints(t *testing.T) {
	for _, c := range []struct {
		in   []int64
		want string
	}{
		{nil, ""},
		{[]int64{5}, ""},
		{[]int64{5, 5}, "2.0,12.0 118.0,12.0"},
		{[]int64{0, 10}, "2.0,22.0 118.0,2.0"},
	} {
		if got := sparkPoints(c.in, 120, 24); got != c.want {
			t.Errorf("sparkPoints(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
