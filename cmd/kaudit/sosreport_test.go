package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
	seeds := sostest.SeedsByFixture()
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

// TestEvalSosreportHistoryLimitWaivers: --history records each sosreport at
// the time sos ran (date --utc), --limit group=… and group waivers cover a
// sosreport host through the inventory host of the same name, and an
// inventory that lists none of the reports' hosts still carries waivers.
func TestEvalSosreportHistoryLimitWaivers(t *testing.T) {
	dir := t.TempDir()
	seeds := sostest.Seeds()
	write := func(h sostest.Host, top string, at time.Time) string {
		h.Collected = at
		files, links, err := sostest.Files("../../testdata/fleet", h, sostest.Sos4)
		if err != nil {
			t.Fatal(err)
		}
		p, err := sostest.WriteArchive(dir, top, "xz", files, links)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mayA := write(seeds[3], "sosreport-82.174-zh-2020-05-01", time.Date(2020, 5, 1, 2, 3, 4, 0, time.UTC))
	juneA := write(seeds[3], "sosreport-82.174-zh-2020-06-01", time.Date(2020, 6, 1, 2, 3, 4, 0, time.UTC))
	other := write(seeds[0], "sosreport-k8s-node-03", time.Date(2020, 5, 2, 0, 0, 0, 0, time.UTC))
	inv := filepath.Join(dir, "inv.hcl")
	if err := os.WriteFile(inv, []byte(`group "workers" {}

host "82.174-zh" {
  address = "10.0.82.174"
  groups  = ["workers"]
  labels  = { rack = "r7" }
}

waiver "kmem.runc" {
  groups  = ["workers"]
  reason  = "runc upgrade scheduled"
  expires = "2099-12-31"
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	waiverOnly := filepath.Join(dir, "waivers.hcl")
	if err := os.WriteFile(waiverOnly, []byte(`waiver "kmem.kubelet" {
  hosts   = ["k8s-node-*"]
  reason  = "kubelet nokmem build rolling out"
  expires = "2099-12-31"
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "history.db")
	status := func(h report.Host, id string) string {
		for _, r := range h.Results {
			if r.ID == id {
				return r.Status
			}
		}
		return ""
	}

	out := filepath.Join(dir, "may.json")
	code, _, stderr := kaudit(t, "eval", "--sosreport", mayA, "--sosreport", other, "-i", inv, "--limit", "group=workers", "--history", db, "--report", "json="+out)
	if code != exitFailures || !strings.Contains(stderr, "recorded run") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := readJSONReport(t, out)
	if len(r.Hosts) != 1 || r.Hosts[0].Name != "82.174-zh" || !slices.Equal(r.Hosts[0].Groups, []string{"workers"}) || r.Hosts[0].Labels["rack"] != "r7" || r.Hosts[0].Labels["sosreport"] == "" {
		t.Fatalf("--limit group=workers: hosts %+v", r.Hosts)
	}
	if s := status(r.Hosts[0], "kmem.runc"); s != "waived" {
		t.Errorf("kmem.runc %s, want waived by the workers waiver", s)
	}

	out = filepath.Join(dir, "other.json")
	code, _, stderr = kaudit(t, "eval", "--sosreport", mayA, "--sosreport", other, "-i", waiverOnly, "--limit", "k8s-node-*", "--report", "json="+out)
	if code != exitFailures {
		t.Fatalf("waiver-only inventory: exit %d: %s", code, stderr)
	}
	r = readJSONReport(t, out)
	if len(r.Hosts) != 1 || r.Hosts[0].Name != "k8s-node-03" || status(r.Hosts[0], "kmem.kubelet") != "waived" {
		t.Errorf("waiver-only inventory, --limit by the report's host name: %+v", r.Hosts)
	}

	code, _, stderr = kaudit(t, "eval", "--sosreport", juneA, "--history", db, "--report", "json="+filepath.Join(dir, "june.json"))
	if code != exitFailures || !strings.Contains(stderr, "recorded run") {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := kaudit(t, "history", "host", "82.174-zh", "--history", db)
	if code != exitOK {
		t.Fatalf("history host: exit %d: %s", code, stderr)
	}
	may, june := strings.Index(stdout, "2020-05-01 02:03 UTC"), strings.Index(stdout, "2020-06-01 02:03 UTC")
	if may < 0 || june < may || !strings.Contains(stdout, "65,513") {
		t.Errorf("history host: the points are not at the sosreports' collection times:\n%s", stdout)
	}
}
