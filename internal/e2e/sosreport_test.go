package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/testfleet"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/sosreport/sostest"
	"github.com/kaudit/kaudit/report"
)

// sosSameAsSSH: checks whose evidence a sosreport carries in full, so a
// seed's sosreport gets the verdict its SSH fixture host gets in the
// reviewed golden file.
var sosSameAsSSH = []string{
	"kmem.risk", "kmem.kernel", "kmem.kernel_log", "kmem.memcg_headroom", "kmem.fragmentation",
	"kmem.slab_pressure", "kmem.boot_drift", "kmem.memcg_disabled", "kmem.runc",
}

// sosNotInReport: checks that need memory.kmem.slabinfo or the count of
// live memory cgroups, which sos never collects.
var sosNotInReport = []string{"kmem.accounting", "kmem.memcg_zombies"}

// TestEvalSosreports runs the kaudit binary's eval --sosreport on the seeds'
// sosreports (built from the fleet fixtures in sos 3 and sos 4 layouts, as
// directories and .tar.xz/.tar.gz/.tar.bz2 archives) plus a hostile and a
// truncated archive: every seed gets its author's verdicts, the bad archives
// are unreachable with a clear error, and the others are still reported.
// Needs no root.
func TestEvalSosreports(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kaudit")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kaudit")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build kaudit: %v\n%s", err, out)
	}
	var golden map[string]struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, "testdata/e2e/fleet-run.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	fixtures, err := testfleet.LoadFixtures(filepath.Join(repoRoot, "testdata/fleet"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{"dir", "xz", "gz"}
	if _, err := exec.LookPath("bzip2"); err == nil {
		kinds = append(kinds, "bz2")
	} else if os.Getenv("CI") == "true" {
		t.Fatal("bzip2 not installed (make deps installs it): needed to build the .tar.bz2 fixtures")
	} else {
		t.Log("bzip2 not installed: no .tar.bz2 fixtures")
	}
	for _, layout := range []sostest.Layout{sostest.Sos3, sostest.Sos4} {
		for _, kind := range kinds {
			t.Run(kind+"/sos"+string(rune('0'+layout)), func(t *testing.T) {
				dir := t.TempDir()
				var args []string
				fixtureOf := map[string]string{} // report host name -> fixture
				for _, h := range sostest.Seeds() {
					files, links, err := sostest.Files(filepath.Join(repoRoot, "testdata/fleet"), h, layout)
					if err != nil {
						t.Fatal(err)
					}
					top := "sosreport-" + h.Fixture + "-2020-06-01-abcdef"
					var p string
					if kind == "dir" {
						p, err = sostest.WriteDir(dir, top, files, links)
					} else {
						p, err = sostest.WriteArchive(dir, top, kind, files, links)
					}
					if err != nil {
						t.Fatal(err)
					}
					args = append(args, "--sosreport", p)
					fixtureOf[strings.TrimSpace(string(files[hostnameFile(layout)]))] = h.Fixture
				}
				bad := filepath.Join(dir, "sosreport-evil.tar.gz")
				writeEvil(t, bad)
				cut := filepath.Join(dir, "sosreport-cut.tar.xz")
				writeCut(t, dir, cut)
				args = append(args, "--sosreport", bad, "--sosreport", cut)
				out := filepath.Join(dir, "r.json")
				cmd := exec.Command(bin, append([]string{"eval", "--report", "json=" + out}, args...)...)
				var se bytes.Buffer
				cmd.Stderr = &se
				err := cmd.Run()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 1 {
					t.Fatalf("exit: %v (want 1: seeds fail checks)\n%s", err, se.String())
				}
				r := readReport(t, out)
				seenSeeds := 0
				for _, h := range r.Hosts {
					switch filepath.Base(h.Address) {
					case "sosreport-evil.tar.gz":
						if h.Status != report.HostUnreachable || !strings.Contains(h.Error, "path traversal") {
							t.Errorf("hostile archive: status %s, error %q", h.Status, h.Error)
						}
						continue
					case "sosreport-cut.tar.xz":
						if h.Status != report.HostUnreachable || !strings.Contains(h.Error, "corrupt or truncated") {
							t.Errorf("truncated archive: status %s, error %q", h.Status, h.Error)
						}
						continue
					}
					fx := fixtureOf[h.Name]
					g, ok := golden[fx]
					if !ok {
						t.Errorf("host %q (%s): not a seed's host name", h.Name, h.Address)
						continue
					}
					seenSeeds++
					got := map[string]policies.Result{}
					for _, res := range h.Results {
						got[res.ID] = res
					}
					for _, id := range sosSameAsSSH {
						if got[id].Status != g.Checks[id] {
							t.Errorf("%s %s: %s (%s), the SSH host gets %s", fx, id, got[id].Status, got[id].Message, g.Checks[id])
						}
					}
					for _, id := range sosNotInReport {
						if got[id].Status != "unknown" || !strings.Contains(got[id].Message, "not in this sosreport") {
							t.Errorf("%s %s: %s %q, want unknown saying not in this sosreport", fx, id, got[id].Status, got[id].Message)
						}
					}
					checkSosSlab(t, fx, layout, h, fixtures[fx].Manifest.Expect.SlabEntries)
					if fx == "seed002-nfconn" {
						if r := got["kmem.risk"]; !strings.Contains(r.Message, "the leak has occurred: kernel log (/var/log/messages)") || !strings.Contains(r.Remediation, "kubectl drain") {
							t.Errorf("seed002 kmem.risk: %q / %q, want the leak has occurred with drain + reboot", r.Message, r.Remediation)
						}
					}
					if fx == "seed003-centos78" {
						runc := got["kmem.runc"]
						if runc.Status != "fail" || !strings.Contains(runc.Message, "installed-rpms: runc-1.0.0-69.rc10.el7_9.x86_64") {
							t.Errorf("seed003 kmem.runc: %s %q, want fail naming installed-rpms: runc-1.0.0-69.rc10.el7_9.x86_64", runc.Status, runc.Message)
						}
					}
				}
				if seenSeeds != len(sostest.Seeds()) {
					t.Errorf("%d seed hosts reported, want %d", seenSeeds, len(sostest.Seeds()))
				}
				// --limit selects by the sosreports' host names.
				cmd = exec.Command(bin, append([]string{"eval", "--limit", "82.174-zh", "--report", "json=" + out}, args...)...)
				_ = cmd.Run()
				if r := readReport(t, out); len(r.Hosts) != 1 || r.Hosts[0].Name != "82.174-zh" {
					t.Errorf("--limit 82.174-zh: %d hosts", len(r.Hosts))
				}
			})
		}
	}
}

func hostnameFile(l sostest.Layout) string {
	if l == sostest.Sos3 {
		return "sos_commands/general/hostname"
	}
	return "sos_commands/host/hostname"
}

// writeEvil writes a gzip tar whose member climbs out of the report.
func writeEvil(t *testing.T, p string) {
	t.Helper()
	files := map[string][]byte{"proc/cmdline": []byte("ro\n"), "../../etc/cron.d/x": []byte("* * * * * root id\n")}
	d := t.TempDir()
	a, err := sostest.WriteArchive(d, "sosreport-evil", "gz", files, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(a, p); err != nil {
		t.Fatal(err)
	}
}

// writeCut writes the first half of a real .tar.xz sosreport.
func writeCut(t *testing.T, dir, p string) {
	t.Helper()
	files, links, err := sostest.Files(filepath.Join(repoRoot, "testdata/fleet"), sostest.Seeds()[0], sostest.Sos4)
	if err != nil {
		t.Fatal(err)
	}
	a, err := sostest.WriteArchive(dir, "sosreport-cut-full", "xz", files, links)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
}

// checkSosSlab: the slab data of a seed's sosreport is read: kmem.slab_entries
// is the count of sos's /sys/kernel/slab listing (ls -lt in sos 3, ls -alZ
// in sos 4.8+), the same number the SSH fixture host's /sys/kernel/slab
// holds, with the listing named as its source.
func checkSosSlab(t *testing.T, fx string, layout sostest.Layout, h report.Host, want *int) {
	t.Helper()
	if want == nil {
		t.Errorf("%s: its host.hcl expects no slab_entries", fx)
		return
	}
	if h.Facts == nil || h.Facts.Kmem.SlabEntries == nil {
		t.Errorf("%s sos%d: no slab_entries in the facts", fx, layout)
		return
	}
	if got := *h.Facts.Kmem.SlabEntries; got != *want {
		t.Errorf("%s sos%d: slab_entries %d, the SSH host has %d", fx, layout, got, *want)
	}
	listing := "ls_-lt_.sys.kernel.slab"
	if layout == sostest.Sos4 {
		listing = "ls_-alZ_.sys.kernel.slab"
	}
	if src := h.Facts.Sources[facts.SectionSlab]; src == nil || src.Exit != 0 || !strings.Contains(src.Source, listing) {
		t.Errorf("%s sos%d: sources.%s = %+v, want the %s listing", fx, layout, facts.SectionSlab, src, listing)
	}
}
