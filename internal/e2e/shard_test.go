package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kaudit/kaudit/report"
)

// TestFleetShards: `kaudit run --shard K/3` of the test fleet, three runs
// over SSH, then `kaudit merge` of their JSON reports, give every host the
// status, unreachable reason and check results (status and message) of one
// `kaudit run` over the whole fleet, and the same exit code.
func TestFleetShards(t *testing.T) {
	fl, bin := startFleet(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.json")
	code, _, stderr := kaudit(t, fl, bin, 2*time.Minute, "run", "-i", fl.Inventory, "--report", "json="+whole)
	if code != 1 {
		t.Fatalf("whole fleet: exit %d, want 1\n%s", code, stderr)
	}
	var shards []string
	total := 0
	for k := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		c, _, stderr := kaudit(t, fl, bin, 2*time.Minute, "run", "-i", fl.Inventory, "--shard", fmt.Sprintf("%d/3", k), "--report", "json="+p)
		if c == 2 {
			t.Fatalf("shard %d: exit 2\n%s", k, stderr)
		}
		total += len(readReport(t, p).Hosts)
		shards = append(shards, p)
	}
	want := readReport(t, whole)
	if total != len(want.Hosts) || total != len(fl.Hosts) {
		t.Fatalf("shards hold %d hosts, the fleet %d, one run %d", total, len(fl.Hosts), len(want.Hosts))
	}
	merged := filepath.Join(dir, "merged.json")
	mc, _, stderr := kaudit(t, fl, bin, time.Minute, append([]string{"merge", "-i", fl.Inventory, "--report", "json=" + merged}, shards...)...)
	if mc != code {
		t.Errorf("merge exit %d, one run %d\n%s", mc, code, stderr)
	}
	got := readReport(t, merged)
	if !equalJSON(summarize(got), summarize(want)) {
		t.Errorf("merged shards differ from one run:\n got %s\nwant %s", mustJSON(summarize(got)), mustJSON(summarize(want)))
	}
	msgs := func(hosts []report.Host) map[string]string {
		out := map[string]string{}
		for _, h := range hosts {
			for _, r := range h.Results {
				out[h.Name+" "+r.ID] = r.Status + ": " + r.Message
			}
		}
		return out
	}
	if a, b := msgs(got.Hosts), msgs(want.Hosts); !equalJSON(a, b) {
		t.Errorf("merged messages differ from one run's:\n got %s\nwant %s", mustJSON(a), mustJSON(b))
	}
	for i, h := range got.Hosts {
		if h.Name != want.Hosts[i].Name {
			t.Errorf("host %d: %s, one run has %s (merge -i keeps the inventory's order)", i, h.Name, want.Hosts[i].Name)
		}
	}
	if !equalJSON(got.Summary, want.Summary) {
		t.Errorf("summary %s, one run %s", mustJSON(got.Summary), mustJSON(want.Summary))
	}
}
