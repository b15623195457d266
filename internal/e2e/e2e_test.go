// Package e2e runs the kaudit binary against the SSH test fleet (real
// OpenSSH sshd, chrooted fixture hosts in a network namespace) and checks
// what an operator would: every host's status and unreachable reason, every
// check's status against a reviewed golden file, the exit code, the reports
// (JSON against its schema, JUnit against the XSD, HTML escaping), that the
// audit changed nothing on the hosts, and one connection and one exec per
// host. It needs root; without it the tests skip (and fail under CI=true).
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testfleet"
	"github.com/kaudit/kaudit/report"
)

var update = flag.Bool("update", false, "rewrite testdata/e2e golden files from this run (review the diff!)")

const repoRoot = "../.."

// fleetRun is one kaudit run against a started fleet.
type fleetRun struct {
	fleet  *testfleet.Fleet
	bin    string
	dir    string
	code   int
	stdout string
	stderr string
	report *report.Report
}

// startFleet builds kaudit and starts the whole test fleet.
func startFleet(t *testing.T) (*testfleet.Fleet, string) {
	t.Helper()
	testfleet.Require(t)
	bin := filepath.Join(t.TempDir(), "kaudit")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kaudit")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build kaudit: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fl, err := testfleet.Start(ctx, testfleet.Options{Fixtures: filepath.Join(repoRoot, "testdata/fleet")})
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

// kaudit runs the binary inside the fleet's namespace, bounded by limit.
func kaudit(t *testing.T, fl *testfleet.Fleet, bin string, limit time.Duration, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := fl.Command(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("kaudit %s did not finish within %s (a fault host must not hang the run)\nstderr:\n%s", strings.Join(args, " "), limit, e.String())
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("kaudit %s: %v", strings.Join(args, " "), err)
	}
	return code, o.String(), e.String()
}

func readReport(t *testing.T, path string) *report.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.Read(f)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return r
}

// TestFleetRun is the main end-to-end test: `kaudit run` over every fixture
// host with all four report formats.
func TestFleetRun(t *testing.T) {
	fl, bin := startFleet(t)
	before, err := fl.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// a flat history, so that kmem.memcg_forecast judges (without one it is
	// unknown and no host is compliant)
	db := filepath.Join(dir, "history.db")
	seedHistory(t, fl, bin, db, "", nil)
	seeded, err := fl.SSHDStats() // the seeding runs' connections
	if err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(dir, "report.json")
	junitPath := filepath.Join(dir, "junit.xml")
	htmlPath := filepath.Join(dir, "report.html")
	factsPath := filepath.Join(dir, "facts.json")

	start := time.Now()
	code, stdout, stderr := kaudit(t, fl, bin, 2*time.Minute, "run", "-i", fl.Inventory,
		"--report", "text", "--report", "json="+jsonPath, "--report", "junit="+junitPath,
		"--report", "html="+htmlPath, "--facts-out", factsPath, "--history", db)
	t.Logf("kaudit run over %d hosts took %s", len(fl.Hosts), time.Since(start).Round(time.Millisecond))
	nothingLeft(t, fl) // the fault hosts (tarpit, refused key, unknown/changed key, hostile output) leave nothing either
	if code != 1 {
		t.Errorf("exit code = %d, want 1 (failing checks on the seed hosts)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// The audit only reads.
	after, err := fl.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Errorf("fixture trees changed during the audit: checksum %s → %s", before, after)
	}

	r := readReport(t, jsonPath)
	t.Run("golden", func(t *testing.T) { checkGolden(t, r, "fleet-run.golden.json") })
	t.Run("fixture expectations", func(t *testing.T) { checkExpectations(t, fl, r) })
	t.Run("unreachable messages", func(t *testing.T) { checkUnreachable(t, r) })
	t.Run("bottom line agrees with the node", func(t *testing.T) { checkBottomLine(t, r) })
	t.Run("one connection and one exec per host", func(t *testing.T) { checkSSHDStats(t, fl, r, seeded) })
	t.Run("text report", func(t *testing.T) { checkText(t, stdout) })
	t.Run("json schema", func(t *testing.T) { validateJSONSchema(t, jsonPath) })
	t.Run("junit xsd", func(t *testing.T) { validateJUnit(t, junitPath, r) })
	t.Run("html", func(t *testing.T) { checkHTML(t, htmlPath) })

	// Saved facts re-evaluated offline give the same verdicts.
	t.Run("eval saved facts", func(t *testing.T) {
		evalJSON := filepath.Join(dir, "eval.json")
		code2, _, stderr2 := kaudit(t, fl, bin, time.Minute, "eval", "--facts", factsPath, "--history", db, "--report", "json="+evalJSON)
		if code2 != code {
			t.Errorf("eval exit %d, run exit %d\n%s", code2, code, stderr2)
		}
		if got, want := summarize(readReport(t, evalJSON)), summarize(r); !equalJSON(got, want) {
			t.Errorf("eval of saved facts differs from run:\n got %s\nwant %s", mustJSON(got), mustJSON(want))
		}
	})
}

// hostSummary is what the golden file pins per host.
type hostSummary struct {
	Status string            `json:"status"`
	Reason string            `json:"reason,omitempty"`
	Checks map[string]string `json:"checks,omitempty"`
}

func summarize(r *report.Report) map[string]hostSummary {
	out := map[string]hostSummary{}
	for _, h := range r.Hosts {
		s := hostSummary{Status: h.Status, Reason: h.Reason}
		if len(h.Results) > 0 {
			s.Checks = map[string]string{}
			for _, res := range h.Results {
				s.Checks[res.ID] = res.Status
			}
		}
		out[h.Name] = s
	}
	return out
}

func checkGolden(t *testing.T, r *report.Report, name string) {
	t.Helper()
	got := summarize(r)
	path := filepath.Join(repoRoot, "testdata/e2e", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(mustJSON(got), '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it, then review it)", err)
	}
	var want map[string]hostSummary
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for n := range got {
		names[n] = true
	}
	for n := range want {
		names[n] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		g, w := got[n], want[n]
		if g.Status != w.Status || g.Reason != w.Reason {
			t.Errorf("%s: status %q reason %q, golden %q %q", n, g.Status, g.Reason, w.Status, w.Reason)
		}
		for id, ws := range w.Checks {
			if gs := g.Checks[id]; gs != ws {
				t.Errorf("%s %s: %q, golden %q", n, id, gs, ws)
			}
		}
		for id, gs := range g.Checks {
			if _, ok := w.Checks[id]; !ok {
				t.Errorf("%s %s: %q, not in golden", n, id, gs)
			}
		}
	}
}

// checkExpectations compares each host against the expect block of its
// fixture (testdata/fleet/<name>/host.hcl), written from the seeds.
func checkExpectations(t *testing.T, fl *testfleet.Fleet, r *report.Report) {
	t.Helper()
	byName := map[string]report.Host{}
	for _, h := range r.Hosts {
		byName[h.Name] = h
	}
	for _, fh := range fl.Hosts {
		h, ok := byName[fh.Name]
		if !ok {
			t.Errorf("%s: missing from the report", fh.Name)
			continue
		}
		e := fh.Expect
		if e.HostStatus != "" && h.Status != e.HostStatus {
			t.Errorf("%s: host status %q, fixture expects %q", fh.Name, h.Status, e.HostStatus)
		}
		if e.Reason != "" && h.Reason != e.Reason {
			t.Errorf("%s: reason %q, fixture expects %q (%s)", fh.Name, h.Reason, e.Reason, h.Error)
		}
		got := map[string]string{}
		for _, res := range h.Results {
			got[res.ID] = res.Status
		}
		for id, want := range e.Checks {
			if got[id] != want {
				t.Errorf("%s %s: %q, fixture expects %q", fh.Name, id, got[id], want)
			}
		}
		f := h.Facts
		if f == nil {
			continue
		}
		expectEq(t, fh.Name, "kernel release", f.Kernel.Release, e.KernelRelease)
		expectEq(t, fh.Name, "kernel family", f.Kernel.Family, e.KernelFamily)
		expectEq(t, fh.Name, "os id", f.OS.ID, e.OSID)
		expectEq(t, fh.Name, "redhat-release", f.OS.RedhatRelease, e.RedhatRelease)
		expectEq(t, fh.Name, "cgroup mode", f.Cgroup.Mode, e.CgroupMode)
		expectEq(t, fh.Name, "kernel log source", f.KernelLog.Source, e.KernelLogSource)
		if e.Kubelet != "" && (f.Runtimes.Kubelet == nil || f.Runtimes.Kubelet.Version != e.Kubelet) {
			t.Errorf("%s: kubelet %+v, fixture expects %s", fh.Name, f.Runtimes.Kubelet, e.Kubelet)
		}
		if e.Docker != "" && (f.Runtimes.Docker == nil || f.Runtimes.Docker.Version != e.Docker) {
			t.Errorf("%s: docker %+v, fixture expects %s", fh.Name, f.Runtimes.Docker, e.Docker)
		}
		if e.MemcgNumCgroups != nil && (f.Cgroup.MemoryNumCgroups == nil || *f.Cgroup.MemoryNumCgroups != *e.MemcgNumCgroups) {
			t.Errorf("%s: memory num_cgroups %v, fixture expects %d", fh.Name, f.Cgroup.MemoryNumCgroups, *e.MemcgNumCgroups)
		}
		for _, sig := range e.KernelLogSignatures {
			if f.KernelLog.Signatures[sig] == nil {
				t.Errorf("%s: kernel log signature %s not found", fh.Name, sig)
			}
		}
	}
}

func expectEq(t *testing.T, host, what, got, want string) {
	t.Helper()
	if want != "" && got != want {
		t.Errorf("%s: %s %q, fixture expects %q", host, what, got, want)
	}
}

// checkUnreachable asserts the operator messages of the fault hosts.
func checkUnreachable(t *testing.T, r *report.Report) {
	t.Helper()
	for _, h := range r.Hosts {
		switch h.Name {
		case "fault-changed-key":
			if strings.Count(h.Error, "SHA256:") < 2 {
				t.Errorf("%s: a changed key must show both fingerprints: %q", h.Name, h.Error)
			}
		case "fault-unknown-key":
			if !strings.Contains(h.Error, "known_hosts") {
				t.Errorf("%s: message should say how to trust the key: %q", h.Name, h.Error)
			}
		case "fault-sudo-password":
			if !strings.Contains(strings.ToLower(h.Error), "password") {
				t.Errorf("%s: message should mention the sudo password: %q", h.Name, h.Error)
			}
		}
		if h.Status == report.HostUnreachable && h.Error == "" {
			t.Errorf("%s: unreachable without a message", h.Name)
		}
	}
}

// checkSSHDStats counts, from sshd's own log, the connections and sessions
// kaudit opened per reachable host: exactly one of each.
// seeded are the counts before the run (connections of earlier runs).
func checkSSHDStats(t *testing.T, fl *testfleet.Fleet, r *report.Report, seeded map[string]testfleet.ConnStats) {
	t.Helper()
	stats, err := fl.SSHDStats()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.Hosts {
		if h.Facts == nil {
			continue
		}
		s, b := stats[h.Name], seeded[h.Name]
		s.Connections -= b.Connections
		s.Sessions -= b.Sessions
		if s.Connections != 1 || s.Sessions != 1 {
			t.Errorf("%s: %d connection(s) and %d session(s), want exactly 1 and 1", h.Name, s.Connections, s.Sessions)
		}
	}
}

func checkText(t *testing.T, out string) {
	t.Helper()
	if strings.ContainsRune(out, '\x1b') {
		t.Errorf("text report contains an escape character (hostile output or colour under NO_COLOR)")
	}
	for _, want := range []string{"kmem.risk", "unreachable", "fault-tarpit"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

func checkHTML(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if strings.Contains(page, "<script>alert(1)</script>") {
		t.Error("the hostile host's PRETTY_NAME reached the HTML unescaped")
	}
	for _, ref := range []string{`src="http`, `href="http`, `@import`, `url(http`} {
		if strings.Contains(page, ref) {
			t.Errorf("HTML report is not self-contained: contains %q", ref)
		}
	}
	if !strings.Contains(page, "seed000-centos75") {
		t.Error("HTML report does not mention seed000-centos75")
	}
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

func equalJSON(a, b any) bool { return bytes.Equal(mustJSON(a), mustJSON(b)) }
