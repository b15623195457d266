package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kaudit/kaudit/internal/testfleet"
)

// setNumCgroups rewrites the memory row of a fleet host's /proc/cgroups
// (a new file renamed over the old one: clones' hard links are untouched).
func setNumCgroups(t *testing.T, fl *testfleet.Fleet, host string, n int) {
	t.Helper()
	h, err := fl.Host(host)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(h.Root, "proc/cgroups")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^memory\t(\d+)\t\d+\t`)
	if !re.Match(b) {
		t.Fatalf("%s has no memory row", path)
	}
	out := re.ReplaceAll(b, []byte(fmt.Sprintf("memory\t${1}\t%d\t", n)))
	tmp := path + ".new"
	if err := os.WriteFile(tmp, out, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// shiftReport rewrites a JSON report as if it had been made `back` earlier:
// the run's and every host's collection times move.
func shiftReport(t *testing.T, src, dst string, back time.Duration) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	shift := func(m map[string]any, key string) {
		if s, ok := m[key].(string); ok {
			if at, err := time.Parse(time.RFC3339, s); err == nil {
				m[key] = at.Add(-back).UTC().Format(time.RFC3339)
			}
		}
	}
	shift(r, "started_at")
	shift(r, "finished_at")
	for _, h := range r["hosts"].([]any) {
		if f, ok := h.(map[string]any)["facts"].(map[string]any); ok {
			shift(f, "collected_at")
		}
	}
	out, _ := json.Marshal(r)
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// seedHistory records runs of the fleet made 3, 2 and 1 days ago (real
// runs whose reports are shifted back in time and imported), with
// num_cgroups of host set to counts[i] before run i (nil: unchanged).
func seedHistory(t *testing.T, fl *testfleet.Fleet, bin, db, host string, counts []int, args ...string) {
	t.Helper()
	dir := t.TempDir()
	for i := range 3 {
		if counts != nil {
			setNumCgroups(t, fl, host, counts[i])
		}
		js := filepath.Join(dir, fmt.Sprintf("run-%d.json", i))
		a := append([]string{"run", "-i", fl.Inventory, "--report", "json=" + js}, args...)
		if code, _, stderr := kaudit(t, fl, bin, 2*time.Minute, a...); code == 2 || code == 4 {
			t.Fatalf("seed run %d: exit %d\n%s", i, code, stderr)
		}
		shifted := filepath.Join(dir, fmt.Sprintf("shifted-%d.json", i))
		shiftReport(t, js, shifted, time.Duration(3-i)*24*time.Hour)
		if code, stdout, stderr := kaudit(t, fl, bin, time.Minute, "history", "import", "--history", db, shifted); code != 0 || !strings.Contains(stdout, "imported run") {
			t.Fatalf("import %d: exit %d\n%s%s", i, code, stdout, stderr)
		}
	}
}

// TestHistoryForecastAgainstTheFleet: three runs of a real SSH host whose
// memory num_cgroups grows 4,000 a day (recorded as 3, 2 and 1 days ago),
// then a live run with --history: the forecast fails with the date, the
// diff shows the new failure, the metrics carry the forecast.
func TestHistoryForecastAgainstTheFleet(t *testing.T) {
	testfleet.Require(t)
	const host = "seed003-centos78"
	fl, bin := startFleetOf(t, []string{host, "ubuntu2204-v2"})
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	seedHistory(t, fl, bin, db, host, []int{44000, 48000, 52000}, "--limit", host)

	setNumCgroups(t, fl, host, 56000)
	js, prom := filepath.Join(dir, "report.json"), filepath.Join(dir, "kaudit.prom")
	code, stdout, stderr := kaudit(t, fl, bin, 2*time.Minute, "run", "-i", fl.Inventory, "--history", db,
		"--report", "text", "--report", "json="+js, "--report", "prom="+prom)
	if code != 1 || !strings.Contains(stderr, "recorded run") {
		t.Fatalf("run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	r := readReport(t, js)
	var found bool
	for _, h := range r.Hosts {
		for _, res := range h.Results {
			if res.ID != "kmem.memcg_forecast" {
				continue
			}
			switch h.Name {
			case host:
				found = true
				// 4,000/day from 44,000 to 56,000 over ~3 days: 9,535 left, ~2 days
				if res.Status != "fail" || !regexp.MustCompile(`^memory cgroups grew 4,0\d\d/day over 3 days \(44,000 → 56,000\); 65,535 reached in ~2 days \(\d{4}-\d\d-\d\d\)`).MatchString(res.Message) {
					t.Errorf("%s forecast: %s: %s", h.Name, res.Status, res.Message)
				}
				if h.Forecast == nil || h.Forecast.DaysToTarget == nil || *h.Forecast.DaysToTarget > 2.6 || *h.Forecast.DaysToTarget < 2.2 {
					t.Errorf("%s JSON forecast = %+v", h.Name, h.Forecast)
				}
			case "ubuntu2204-v2":
				if res.Status != "not_applicable" {
					t.Errorf("%s forecast: %s: %s", h.Name, res.Status, res.Message)
				}
			}
		}
	}
	if !found {
		t.Fatalf("no forecast for %s", host)
	}
	if !strings.Contains(stdout, "SOONEST EXHAUSTION") || !strings.Contains(stdout, host+"  65,535 reached in ~2 days") {
		t.Errorf("text report lacks the soonest exhaustion line:\n%s", stdout)
	}

	// the diff of the last seeded run and the live one
	code, out, stderr := kaudit(t, fl, bin, time.Minute, "history", "diff", "--history", db, "-o", "json")
	var d struct {
		NewFailures []struct{ Host, Check string } `json:"new_failures"`
		HostsAdded  []string                       `json:"hosts_added"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("history diff: exit %d\n%s%s", code, out, stderr)
	}
	var forecastNew bool
	for _, f := range d.NewFailures {
		forecastNew = forecastNew || (f.Host == host && f.Check == "kmem.memcg_forecast")
	}
	if !forecastNew || strings.Join(d.HostsAdded, ",") != "ubuntu2204-v2" {
		t.Errorf("diff = %+v", d)
	}
	code, out, _ = kaudit(t, fl, bin, time.Minute, "history", "host", host, "--history", db)
	if code != 0 || strings.Count(out, "\n") != 6 || !strings.Contains(out, "56,000") {
		t.Errorf("history host: exit %d\n%s", code, out)
	}

	// the metrics file parses and carries the forecast
	b, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse %s: %v", prom, err)
	}
	eta := mfs["kaudit_memcg_exhaustion_seconds"]
	if eta == nil || len(eta.Metric) != 1 || eta.Metric[0].Label[0].GetValue() != host {
		t.Fatalf("kaudit_memcg_exhaustion_seconds = %v", eta)
	}
	if s := eta.Metric[0].GetGauge().GetValue(); s < 2.2*86400 || s > 2.6*86400 {
		t.Errorf("exhaustion in %v s, want ~2.4 days", s)
	}
	var num float64
	for _, m := range mfs["kaudit_memcg_num_cgroups"].GetMetric() {
		if m.Label[0].GetValue() == host {
			num = m.GetGauge().GetValue()
		}
	}
	if num != 56000 {
		t.Errorf("kaudit_memcg_num_cgroups{host=%q} = %v, want 56000", host, num)
	}
}

// startFleetOf starts a fleet of the given fixtures only.
func startFleetOf(t *testing.T, hosts []string) (*testfleet.Fleet, string) {
	t.Helper()
	bin := buildKaudit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fl, err := testfleet.Start(ctx, testfleet.Options{Fixtures: filepath.Join(repoRoot, "testdata/fleet"), Hosts: hosts})
	if err != nil {
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(func() {
		if err := fl.Stop(); err != nil {
			t.Errorf("stop fleet: %v", err)
		}
	})
	return fl, bin
}

func buildKaudit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kaudit")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kaudit")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build kaudit: %v\n%s", err, out)
	}
	return bin
}
