package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/sosreport/sostest"
	"github.com/kaudit/kaudit/report"
)

func TestEvalSosreportBaselineAndUsage(t *testing.T) {
	dir := t.TempDir()
	h := sostest.Seeds()[3] // seed003-centos78
	files, links, err := sostest.Files("../../testdata/fleet", h, sostest.Sos4)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sostest.WriteDir(dir, "sosreport-82.174-zh-2020-06-01", files, links)
	if err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "r1.json")
	code, _, stderr := kaudit(t, "eval", "--sosreport", p, "--report", "json="+first)
	if code != exitFailures {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	second := filepath.Join(dir, "r2.json")
	code, _, stderr = kaudit(t, "eval", "--sosreport", p, "--baseline", first, "--report", "json="+second)
	if code != exitFailures {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(second)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.Baseline != first || len(r.Hosts) != 1 || r.Hosts[0].Name != "82.174-zh" || r.Hosts[0].Facts.Collector.Transport != "sosreport" {
		t.Errorf("baseline %q, hosts %+v", r.Baseline, r.Hosts)
	}
	code, _, stderr = kaudit(t, "eval", "--sosreport", p, "--facts", first)
	if code != exitUsage || !strings.Contains(stderr, "not both") {
		t.Errorf("--facts with --sosreport: exit %d: %s", code, stderr)
	}
	code, _, stderr = kaudit(t, "eval", "--sosreport", p, "--limit", "nosuchhost")
	if code != exitUsage || !strings.Contains(stderr, "matches no host") {
		t.Errorf("--limit nosuchhost: exit %d: %s", code, stderr)
	}
}
