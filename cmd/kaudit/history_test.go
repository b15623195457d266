package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/probes/facts"
)

// writeFactsSeries writes facts files of one host whose memory num_cgroups
// grows by step a day from first, one per day from day0; it returns their
// paths.
func writeFactsSeries(t *testing.T, dir string, n int, first, step int, day0 time.Time) []string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/facts/rhel7-mitigated.json")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := range n {
		var f facts.Facts
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		num, live := first+step*i, 300
		f.Host = "node-1"
		f.Cgroup.MemoryNumCgroups, f.Cgroup.MemoryLiveDirs = &num, &live
		f.CollectedAt = day0.Add(time.Duration(i) * 24 * time.Hour).UTC().Format(time.RFC3339)
		p := filepath.Join(dir, fmt.Sprintf("facts-%d.json", i))
		out, _ := json.Marshal(&f)
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func forecastOf(t *testing.T, reportPath string) (string, string) {
	t.Helper()
	b, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Hosts []struct {
			Results []struct{ ID, Status, Message string }
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	for _, res := range r.Hosts[0].Results {
		if res.ID == "kmem.memcg_forecast" {
			return res.Status, res.Message
		}
	}
	t.Fatal("no kmem.memcg_forecast result")
	return "", ""
}

func TestEvalHistoryForecastAndCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	paths := writeFactsSeries(t, dir, 7, 48120, 1840, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))

	// without --history the forecast is unknown, never a pass
	code, _, stderr := kaudit(t, "eval", "--facts", paths[0], "--report", "json="+filepath.Join(dir, "nohist.json"))
	if code != exitFailures {
		t.Fatalf("eval exit %d: %s", code, stderr)
	}
	if st, msg := forecastOf(t, filepath.Join(dir, "nohist.json")); st != "not_applicable" || !strings.HasPrefix(msg, "no history store configured") {
		t.Errorf("without history: %s: %s", st, msg)
	}

	var reports []string
	for i, p := range paths {
		rp := filepath.Join(dir, fmt.Sprintf("report-%d.json", i))
		reports = append(reports, rp)
		code, _, stderr := kaudit(t, "eval", "--facts", p, "--history", db, "--report", "json="+rp)
		if code != exitFailures || !strings.Contains(stderr, "recorded run") {
			t.Fatalf("eval %d: exit %d: %s", i, code, stderr)
		}
		st, msg := forecastOf(t, rp)
		switch {
		case i < 2 && (st != "unknown" || !strings.Contains(msg, "not enough history")):
			t.Errorf("run %d: %s: %s; want unknown, not enough history", i, st, msg)
		case i == 6 && (st != "fail" || !strings.HasPrefix(msg, "memory cgroups grew 1,840/day over 6 days (48,120 → 59,160); 65,535 reached in ~3 days (2026-12-06)")):
			t.Errorf("run %d: %s: %s", i, st, msg)
		}
	}

	code, out, stderr := kaudit(t, "history", "runs", "--history", db)
	if code != 0 || strings.Count(out, "\n") != 8 {
		t.Errorf("history runs: exit %d\n%s%s", code, out, stderr)
	}
	// importing the reports again changes nothing
	code, out, stderr = kaudit(t, append([]string{"history", "import", "--history", db}, reports...)...)
	if code != 0 || strings.Count(out, "already recorded") != 7 {
		t.Errorf("history import: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = kaudit(t, "history", "runs", "--history", db, "-o", "json")
	var runs []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 7 {
		t.Errorf("history runs -o json after import: exit %d, %d runs\n%s", code, len(runs), out)
	}

	code, out, stderr = kaudit(t, "history", "host", "node-1", "--history", db)
	if code != 0 || !strings.Contains(out, "59,160") || !strings.Contains(out, "65,535 reached in ~3 days (2026-12-06)") {
		t.Errorf("history host: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = kaudit(t, "history", "diff", "--history", db)
	if code != 0 || !strings.Contains(out, "node-1  kmem.memcg_headroom  pass → fail") {
		t.Errorf("history diff: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = kaudit(t, "history", "diff", "latest~6", "latest", "--history", db, "-o", "json")
	var d struct {
		NewFailures []struct{ Host, Check string } `json:"new_failures"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || len(d.NewFailures) != 3 || d.NewFailures[0].Check != "kmem.memcg_forecast" || d.NewFailures[1].Check != "kmem.memcg_headroom" || d.NewFailures[2].Check != "kmem.risk" {
		// kmem.risk: memcg IDs at the headroom limit on an affected kernel
		// means the leak has occurred
		t.Errorf("history diff -o json: exit %d %+v\n%s%s", code, d.NewFailures, out, stderr)
	}
	// the runs started now: --keep 1h prunes nothing, 0d everything (once
	// their second is over)
	time.Sleep(1100 * time.Millisecond)
	if code, out, _ := kaudit(t, "history", "prune", "--keep", "1h", "--history", db); code != 0 || !strings.Contains(out, "pruned 0 run(s)") {
		t.Errorf("prune 1h: exit %d: %s", code, out)
	}
	if code, out, _ := kaudit(t, "history", "prune", "--keep", "0d", "--history", db); code != 0 || !strings.Contains(out, "pruned 7 run(s)") {
		t.Errorf("prune 0d: exit %d: %s", code, out)
	}
}

func TestHistoryFailureStillWritesReports(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "corrupt.db")
	if err := os.WriteFile(db, []byte(strings.Repeat("garbage ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := writeFactsSeries(t, dir, 1, 100, 0, time.Now())
	rp := filepath.Join(dir, "report.json")
	code, _, stderr := kaudit(t, "eval", "--facts", paths[0], "--history", db, "--report", "json="+rp)
	if code != exitHistory {
		t.Errorf("exit %d, want %d (history failed)\n%s", code, exitHistory, stderr)
	}
	if !strings.Contains(stderr, "history store "+db) || !strings.Contains(stderr, "not recorded") {
		t.Errorf("stderr does not name the store:\n%s", stderr)
	}
	st, msg := forecastOf(t, rp) // the report was written
	if st != "unknown" || !strings.Contains(msg, "history unavailable") {
		t.Errorf("forecast: %s: %s", st, msg)
	}
}

func TestHistoryUsageErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"history", "runs"}, exitUsage, "no history store"},
		{[]string{"history", "runs", "--history", db, "-o", "yaml"}, exitUsage, "want text or json"},
		{[]string{"history", "prune", "--keep", "soon", "--history", db}, exitUsage, "--keep"},
		{[]string{"history", "host", "nope", "--history", db}, exitUsage, "no runs"},
		{[]string{"history", "diff", "--history", db}, exitUsage, "no such run"},
		{[]string{"history", "import", "--history", db, filepath.Join(dir, "missing.json")}, exitUsage, "not imported"},
		{[]string{"history", "runs", "--history", "postgres://u:pw@127.0.0.1:1/x?sslmode=disable"}, exitHistory, "history store postgres://u:xxxxx@127.0.0.1:1/x"},
	}
	for _, tt := range tests {
		code, out, stderr := kaudit(t, tt.args...)
		if code != tt.code || !strings.Contains(out+stderr, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tt.args, code, tt.code, tt.want, out, stderr)
		}
		if strings.Contains(stderr, ":pw@") {
			t.Errorf("%v prints the password: %s", tt.args, stderr)
		}
	}
}

func TestInventoryHistoryBlock(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv.hcl")
	if err := os.WriteFile(inv, []byte("host \"node-1\" {\n  transport = \"local\"\n}\nhistory {\n  url = \"state.db\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := writeFactsSeries(t, dir, 1, 100, 0, time.Now())
	code, _, stderr := kaudit(t, "eval", "-i", inv, "--facts", paths[0], "--report", "json="+filepath.Join(dir, "r.json"))
	if code == exitHistory || code == exitUsage || !strings.Contains(stderr, "history store "+filepath.Join(dir, "state.db")) {
		t.Fatalf("eval -i: exit %d\n%s", code, stderr)
	}
	code, out, stderr := kaudit(t, "history", "runs", "-i", inv)
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Errorf("history runs -i: exit %d\n%s%s", code, out, stderr)
	}
}

func TestParseKeepAndCommas(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "36h": 36 * time.Hour, "0d": 0} {
		if got, err := parseKeep(in); err != nil || got != want {
			t.Errorf("parseKeep(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "x", "-5h"} {
		if _, err := parseKeep(bad); err == nil {
			t.Errorf("parseKeep(%q) succeeded", bad)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 65535: "65,535", 1234567: "1,234,567", -1840: "-1,840"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}

// seedFlatHistory records three earlier runs (1, 2 and 3 days before) of
// the hosts of a fleet facts file with their counters unchanged, so that
// kmem.memcg_forecast passes when the file is judged with --history.
func seedFlatHistory(t *testing.T, factsPath string) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	b, err := os.ReadFile(factsPath)
	if err != nil {
		t.Fatal(err)
	}
	for k := 3; k >= 1; k-- {
		var ff map[string]any
		if err := json.Unmarshal(b, &ff); err != nil {
			t.Fatal(err)
		}
		for _, h := range ff["hosts"].([]any) {
			f, ok := h.(map[string]any)["facts"].(map[string]any)
			if !ok {
				continue
			}
			at, err := time.Parse(time.RFC3339, f["collected_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			f["collected_at"] = at.Add(-time.Duration(k) * 24 * time.Hour).Format(time.RFC3339)
		}
		p := filepath.Join(dir, fmt.Sprintf("facts-%d.json", k))
		out, _ := json.Marshal(ff)
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := kaudit(t, "eval", "--facts", p, "--history", db, "--report", "json="+filepath.Join(dir, "r.json")); code == exitHistory || code == exitUsage {
			t.Fatalf("seeding the history: exit %d: %s", code, stderr)
		}
	}
	return db
}
