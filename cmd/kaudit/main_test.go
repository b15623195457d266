package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// kaudit runs the CLI in-process and returns exit code, stdout and stderr.
func kaudit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExitTwo(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.hcl")
	if err := os.WriteFile(bad, []byte("defaults {\n  timeout = \"soon\"\n}\nhots \"x\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown flag", []string{"run", "--no-such-flag"}, "unknown flag"},
		{"bad report format", []string{"run", "--report", "pdf"}, `unknown format "pdf"`},
		{"two reports on stdout", []string{"run", "--report", "text", "--report", "json"}, "only one report can go to stdout"},
		{"bad fail-on", []string{"run", "--fail-on", "urgent"}, `--fail-on "urgent"`},
		{"missing inventory", []string{"run", "-i", "/nonexistent/inv.hcl"}, "nothing was contacted"},
		{"bad inventory shows position", []string{"inventory", "validate", "-i", bad}, "bad.hcl:2"},
		{"unknown block suggests", []string{"inventory", "validate", "-i", bad}, "Did you mean"},
		{"eval needs facts", []string{"eval"}, "facts"},
		{"policy show unknown id", []string{"policy", "show", "kmem.nope"}, `no check "kmem.nope"`},
		{"limit matching nothing", []string{"inventory", "hosts", "-i", "../../examples/prod.hcl", "--limit", "group=nope"}, "--limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := kaudit(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit = %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestInventoryCommands(t *testing.T) {
	code, out, stderr := kaudit(t, "inventory", "validate", "-i", "../../examples/prod.hcl")
	if code != 0 || !strings.Contains(out, "inventory OK") {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = kaudit(t, "inventory", "hosts", "-i", "../../examples/prod.hcl", "-o", "json")
	if code != 0 {
		t.Fatalf("hosts: exit %d\n%s", code, stderr)
	}
	var hosts []map[string]any
	if err := json.Unmarshal([]byte(out), &hosts); err != nil {
		t.Fatalf("hosts -o json: %v\n%s", err, out)
	}
	if len(hosts) == 0 {
		t.Fatal("hosts -o json: no hosts")
	}
}

func TestPolicyListAndShow(t *testing.T) {
	code, out, _ := kaudit(t, "policy", "list")
	if code != 0 {
		t.Fatalf("policy list exit %d", code)
	}
	for _, id := range []string{"kmem.kernel", "kmem.accounting", "kmem.risk", "kmem.fragmentation"} {
		if !strings.Contains(out, id) {
			t.Errorf("policy list lacks %s:\n%s", id, out)
		}
	}
	code, out, _ = kaudit(t, "policy", "show", "kmem.risk")
	if code != 0 || !strings.Contains(out, "kmem.risk") || !strings.Contains(out, "Remediation") {
		t.Fatalf("policy show exit %d:\n%s", code, out)
	}
}

// TestEvalSeedFacts re-evaluates saved facts of a seed-000 node offline: the
// node fails, the exit code is 1, and every format is written.
func TestEvalSeedFacts(t *testing.T) {
	dir := t.TempDir()
	f := seedFacts(t)
	factsPath := writeFleetFacts(t, dir,
		facts.FleetHost{Name: "seed000", Address: "10.0.0.1", Groups: []string{"workers"}, Facts: f},
		facts.FleetHost{Name: "gone", Address: "10.0.0.2", Reason: "timeout", Error: "no answer"})

	jsonPath := filepath.Join(dir, "r.json")
	code, out, stderr := kaudit(t, "eval", "--facts", factsPath,
		"--report", "text", "--report", "json="+jsonPath,
		"--report", "junit="+filepath.Join(dir, "j.xml"), "--report", "html="+filepath.Join(dir, "r.html"))
	if code != exitFailures {
		t.Fatalf("exit = %d, want 1\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "kmem.risk") {
		t.Errorf("text report does not name kmem.risk:\n%s", out)
	}
	for _, p := range []string{jsonPath, filepath.Join(dir, "j.xml"), filepath.Join(dir, "r.html")} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("report %s not written: %v", p, err)
		}
	}
	rf, err := os.Open(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	r, err := report.Read(rf)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, h := range r.Hosts {
		status[h.Name] = h.Status
	}
	if status["seed000"] != report.HostNoncompliant || status["gone"] != report.HostUnreachable {
		t.Errorf("host statuses = %v", status)
	}

	// The same report as a baseline: every result is unchanged.
	code, _, stderr = kaudit(t, "eval", "--facts", factsPath, "--baseline", jsonPath, "--report", "json="+filepath.Join(dir, "r2.json"))
	if code != exitFailures {
		t.Fatalf("baseline run exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "r2.json"))
	if strings.Contains(string(b), `"baseline": "new"`) || !strings.Contains(string(b), `"baseline": "unchanged"`) {
		t.Errorf("baseline marks wrong in %s", filepath.Join(dir, "r2.json"))
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := kaudit(t, "version")
	if code != 0 || !strings.Contains(out, toolVersion) {
		t.Fatalf("version: %d %q", code, out)
	}
}

// TestEvalAppliesWaivers: a waiver in the inventory turns the matching
// failure into waived in the report; a critical check is not waived without
// allow_critical, and an expired waiver waives nothing.
func TestEvalAppliesWaivers(t *testing.T) {
	dir := t.TempDir()
	factsPath := writeFleetFacts(t, dir, facts.FleetHost{Name: "worker-001", Address: "10.0.0.1", Facts: seedFacts(t)})
	inv := filepath.Join(dir, "inv.hcl")
	if err := os.WriteFile(inv, []byte(`host "worker-001" { address = "10.0.0.1" }
waiver "kmem.kubelet" {
  hosts   = ["worker-*"]
  reason  = "kubelet nokmem build rolling out"
  owner   = "platform-team"
  expires = "2999-12-31"
}
waiver "kmem.risk" {
  reason  = "no allow_critical"
  owner   = "platform-team"
  expires = "2999-12-31"
}
waiver "kmem.runc" {
  reason  = "expired"
  owner   = "platform-team"
  expires = "2001-01-01"
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.json")
	code, _, stderr := kaudit(t, "eval", "-i", inv, "--facts", factsPath, "--report", "json="+out)
	if code != exitFailures {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	rf, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	r, err := report.Read(rf)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, res := range r.Hosts[0].Results {
		got[res.ID] = res.Status
		if res.Status == "waived" && (res.Waiver == nil || res.Waiver.Owner != "platform-team") {
			t.Errorf("%s waived without its waiver reference: %+v", res.ID, res.Waiver)
		}
	}
	want := map[string]string{"kmem.kubelet": "waived", "kmem.risk": "fail", "kmem.runc": "fail"}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s = %q, want %q", id, got[id], st)
		}
	}
	if !strings.Contains(stderr, "expired") {
		t.Errorf("no notice about the expired waiver on stderr:\n%s", stderr)
	}
	var inReport bool
	for _, n := range r.Notices {
		inReport = inReport || strings.Contains(n.Message, "expired")
	}
	if !inReport {
		t.Errorf("the report's notices %+v lack the expired waiver", r.Notices)
	}
}

// seedFacts loads the facts of seed 000's CentOS 7.5 node.
func seedFacts(t *testing.T) *facts.Facts {
	t.Helper()
	data, err := os.ReadFile("../../testdata/facts/seed000-centos75-softlockup.json")
	if err != nil {
		t.Fatal(err)
	}
	var f facts.Facts
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

// writeFleetFacts saves hosts as a fleet facts file in dir and returns its path.
func writeFleetFacts(t *testing.T, dir string, hosts ...facts.FleetHost) string {
	t.Helper()
	path := filepath.Join(dir, "facts.json")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := facts.WriteFleetFacts(fh, &facts.FleetFacts{Schema: facts.FleetSchema, Inventory: "test", Hosts: hosts}); err != nil {
		t.Fatal(err)
	}
	return path
}
