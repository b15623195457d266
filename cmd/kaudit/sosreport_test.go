package main

import (
	"bytes"
	"fmt"
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

// TestEvalSosreportHostileAmongGood: an xz archive whose second stream
// declares a 1.5 GiB dictionary is one unreachable host saying why; the
// good reports beside it are judged.
func TestEvalSosreportHostileAmongGood(t *testing.T) {
	dir := t.TempDir()
	h := sostest.Seeds()[3] // seed003-centos78
	files, links, err := sostest.Files("../../testdata/fleet", h, sostest.Sos4)
	if err != nil {
		t.Fatal(err)
	}
	good, err := sostest.WriteArchive(dir, "sosreport-82.174-zh-2020-06-01", "xz", files, links)
	if err != nil {
		t.Fatal(err)
	}
	var tb bytes.Buffer
	if err := sostest.Tar(&tb, "sosreport-evil", files, links); err != nil {
		t.Fatal(err)
	}
	half := tb.Len() / 2
	hostile := filepath.Join(dir, "sosreport-evil.tar.xz")
	evil := sostest.HandXZ([]sostest.XZBlock{{Data: tb.Bytes()[:half], Dict: 16}}, []sostest.XZBlock{{Data: tb.Bytes()[half:], Dict: 37}})
	if err := os.WriteFile(hostile, evil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.json")
	code, _, stderr := kaudit(t, "eval", "--sosreport", hostile, "--sosreport", good, "--report", "json="+out)
	if code != exitFailures {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := readJSONReport(t, out)
	if len(r.Hosts) != 2 {
		t.Fatalf("hosts %+v", r.Hosts)
	}
	bad, ok := r.Hosts[0], r.Hosts[1]
	if bad.Name != "sosreport-evil.tar.xz" || bad.Status != "unreachable" || bad.Reason != "collector" ||
		!strings.Contains(bad.Error, "block 1 of stream 2 declares an LZMA2 dictionary of 1610612736 bytes (limit 67108864)") {
		t.Errorf("hostile archive: %+v", bad)
	}
	if ok.Name != "82.174-zh" || ok.Facts == nil || len(ok.Results) == 0 {
		t.Errorf("good archive: %s %s %d results", ok.Name, ok.Status, len(ok.Results))
	}
}

func readJSONReport(t *testing.T, p string) *report.Report {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestEvalSosreportBundledRunc: kmem.runc through kaudit eval for runc
// bundled in docker-ce, RHEL's docker and containerd.io: judged from the
// version the report shows, unknown saying why when it shows none.
func TestEvalSosreportBundledRunc(t *testing.T) {
	seeds := map[string]sostest.Host{}
	for _, h := range sostest.Seeds() {
		seeds[h.Fixture] = h
	}
	down := func(h sostest.Host) sostest.Host { h.DockerDown = true; return h }
	tests := []struct {
		name   string
		host   sostest.Host
		status string
		msg    string
	}{
		{"docker-ce 18.06 docker-runc from docker info", seeds["seed000-centos75"], "fail", "docker-runc 1.0.0-rc5+dev (sosreport:sos_commands/docker/docker_info (docker info, runc version 69663f0bd4b60df09991c08812a60108003fa340): /usr/bin/docker-runc bundled in docker-ce-18.06.1.ce-3.el7.x86_64) enables kmem accounting"},
		{"docker-ce 18.06, docker down", down(seeds["seed000-centos75"]), "unknown", "runc is bundled in docker-ce-18.06.1.ce-3.el7.x86_64 (installed-rpms lists no runc package) and its version is unknown"},
		{"RHEL docker 1.13.1", seeds["seed002-nfconn"], "pass", "docker-runc-current 1.0.0-rc2"},
		{"RHEL docker 1.13.1, docker down", down(seeds["seed002-nfconn"]), "pass", "installed-rpms: docker-1.13.1-103.git7f2769b.el7.centos.x86_64 bundles /usr/libexec/docker/docker-runc-current"},
		{"containerd.io, docker down", down(seeds["seed004-kmem-usage"]), "unknown", "runc is bundled in containerd.io-1.2.10-3.2.el7.x86_64"},
		{"containerd.io runc from docker version", seeds["seed004-kmem-usage"], "fail", "runc 1.0.0-rc8+dev"},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files, links, err := sostest.Files("../../testdata/fleet", tc.host, sostest.Sos4)
			if err != nil {
				t.Fatal(err)
			}
			p, err := sostest.WriteArchive(dir, fmt.Sprintf("sosreport-%d", i), "gz", files, links)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, fmt.Sprintf("r%d.json", i))
			code, _, stderr := kaudit(t, "eval", "--sosreport", p, "--report", "json="+out)
			if code != exitFailures && code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			r := readJSONReport(t, out)
			for _, res := range r.Hosts[0].Results {
				if res.ID == "kmem.runc" {
					if res.Status != tc.status || !strings.Contains(res.Message, tc.msg) {
						t.Errorf("kmem.runc %s: %s; want %s, %q", res.Status, res.Message, tc.status, tc.msg)
					}
					return
				}
			}
			t.Error("no kmem.runc result")
		})
	}
}
