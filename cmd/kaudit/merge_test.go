package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// TestShardThenMerge: kaudit eval --shard K/3 of a facts file, then kaudit
// merge of the three JSON reports, gives the JSON report and exit code of
// one kaudit eval of the whole file (with the fleet-wide example pack).
func TestShardThenMerge(t *testing.T) {
	dir := t.TempDir()
	other, err := os.ReadFile("../../testdata/facts/rhel7-mitigated.json")
	if err != nil {
		t.Fatal(err)
	}
	var f2 facts.Facts
	if err := json.Unmarshal(other, &f2); err != nil {
		t.Fatal(err)
	}
	var hosts []facts.FleetHost
	for i := range 12 {
		h := facts.FleetHost{Name: fmt.Sprintf("n%02d", i), Address: "192.0.2.1", Groups: []string{"workers"}, Facts: seedFacts(t)}
		switch i % 4 {
		case 1:
			h.Facts = &f2
		case 3:
			h.Facts, h.Reason, h.Error = nil, "timeout", "no answer"
		}
		hosts = append(hosts, h)
	}
	factsPath := writeFleetFacts(t, dir, hosts...)
	whole := filepath.Join(dir, "whole.json")
	wantCode, _, stderr := kaudit(t, "eval", "--facts", factsPath, "-p", "../../examples/policies", "--report", "json="+whole)
	if wantCode != 1 {
		t.Fatalf("whole fleet: exit %d, want 1 (failing hosts): %s", wantCode, stderr)
	}
	var shards []string
	total := 0
	for k := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		code, _, stderr := kaudit(t, "eval", "--facts", factsPath, "-p", "../../examples/policies", "--shard", fmt.Sprintf("%d/3", k), "--report", "json="+p)
		if code == exitUsage {
			t.Fatalf("shard %d: %s", k, stderr)
		}
		total += len(readReportFile(t, p).Hosts)
		shards = append(shards, p)
	}
	if total != len(hosts) {
		t.Fatalf("shards hold %d hosts, want %d", total, len(hosts))
	}
	merged := filepath.Join(dir, "merged.json")
	mergedFacts := filepath.Join(dir, "merged-facts.json")
	code, _, stderr := kaudit(t, append([]string{"merge", "-p", "../../examples/policies", "--report", "json=" + merged, "--facts-out", mergedFacts}, shards...)...)
	if code != wantCode {
		t.Fatalf("merge: exit %d, want %d: %s", code, wantCode, stderr)
	}
	got, want := readReportFile(t, merged), readReportFile(t, whole)
	for _, r := range []*report.Report{got, want} {
		r.StartedAt, r.FinishedAt, r.DurationMS = "", "", 0
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Fatalf("merged report differs from one run's:\n%.1500s\n----\n%.1500s", a, b)
	}
	// The merged facts evaluate to the same report again.
	again := filepath.Join(dir, "again.json")
	if code, _, stderr := kaudit(t, "eval", "--facts", mergedFacts, "-p", "../../examples/policies", "--report", "json="+again); code != wantCode {
		t.Fatalf("eval of merged facts: exit %d: %s", code, stderr)
	}
	if n := len(readReportFile(t, again).Hosts); n != len(hosts) {
		t.Errorf("merged facts have %d hosts", n)
	}
	// Merging without the fleet pack the shards used is refused.
	if code, _, stderr := kaudit(t, append([]string{"merge", "--report", "json=" + filepath.Join(dir, "x.json")}, shards...)...); code != exitUsage || !strings.Contains(stderr, "same -p packs") {
		t.Errorf("merge with other policies: exit %d, %s", code, stderr)
	}
}

// TestShardSelectsHosts: inventory hosts --shard K/N partitions the
// inventory's hosts; bad values are usage errors.
func TestShardSelectsHosts(t *testing.T) {
	count := func(args ...string) int {
		t.Helper()
		code, out, stderr := kaudit(t, append([]string{"inventory", "hosts", "-i", "../../examples/prod.hcl", "-o", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var hs []map[string]any
		if err := json.Unmarshal([]byte(out), &hs); err != nil {
			t.Fatal(err)
		}
		return len(hs)
	}
	all := count()
	sum := 0
	for k := range 4 {
		n := count("--shard", fmt.Sprintf("%d/4", k))
		if n == 0 || n == all {
			t.Errorf("shard %d/4 has %d of %d hosts", k, n, all)
		}
		sum += n
	}
	if sum != all {
		t.Errorf("shards hold %d hosts, inventory %d", sum, all)
	}
	for _, bad := range []string{"4/4", "-1/2", "x", "1/0"} {
		if code, _, stderr := kaudit(t, "inventory", "hosts", "-i", "../../examples/prod.hcl", "--shard", bad); code != exitUsage || !strings.Contains(stderr, "--shard") {
			t.Errorf("--shard %s: exit %d, %s", bad, code, stderr)
		}
	}
	if code, _, stderr := kaudit(t, "merge", "--shard", "0/2", "x.json"); code != exitUsage || !strings.Contains(stderr, "--shard") {
		t.Errorf("merge --shard: exit %d, %s", code, stderr)
	}
}

func readReportFile(t *testing.T, path string) *report.Report {
	t.Helper()
	r, err := readReport(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
