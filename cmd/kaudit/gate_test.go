package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

const gateFacts = "../../testdata/gate/testfleet-seed000.json"

func TestGateExamples(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		verdict string
		reason  string
	}{
		{"kubelet 1.15 without nokmem", []string{"--limit", "group=workers", "--plan", "../../examples/plans/kubelet-1.15.hcl"}, exitFailures, "no-go", "group workers: 2 of 2 hosts no-go (max_no_go 0)"},
		{"nokmem, kernel 1160, runc rc95", []string{"--limit", "group=workers", "--plan", "../../examples/plans/nokmem.hcl"}, exitOK, "go", "go: 2 host(s) judged"},
		{"unreachable over the limit", []string{"--limit", "group=workers-dc2", "--plan", "../../examples/plans/dc2-unreachable.hcl"}, exitIncomplete, "no-go", "2 of 3 targeted hosts unreachable (max_unreachable 10% of 3 = 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			js, proj := filepath.Join(dir, "gate.json"), filepath.Join(dir, "projected.json")
			args := append([]string{"gate", "--facts", gateFacts, "--history", seedFlatHistory(t, gateFacts), "--report", "json=" + js, "--projected-out", proj}, tt.args...)
			code, _, stderr := kaudit(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			f, err := os.Open(js)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := report.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			if r.Plan == nil || r.Plan.Verdict != tt.verdict || !strings.Contains(strings.Join(r.Plan.Reasons, "\n"), tt.reason) {
				t.Errorf("plan %+v, want %s with %q", r.Plan, tt.verdict, tt.reason)
			}
			pf, err := os.Open(proj)
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			ff, err := facts.ReadFleetFacts(pf)
			if err != nil {
				t.Fatal(err)
			}
			predicted := 0
			for _, h := range ff.Hosts {
				if h.Facts != nil && len(h.Facts.Predicted) > 0 {
					predicted++
				}
			}
			if predicted == 0 {
				t.Errorf("projected facts carry no predicted paths")
			}
		})
	}
}

func TestGateErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.hcl")
	if err := os.WriteFile(bad, []byte("change \"w\" {\n  select = [\"group=workers\"]\n  kubelet = \"latest\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(dir, "typo.hcl")
	if err := os.WriteFile(typo, []byte("change \"w\" {\n  select = [\"group=wrokers\"]\n  reboot = true\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plan required", []string{"gate", "--facts", gateFacts}, `"plan" not set`},
		{"missing plan file", []string{"gate", "--facts", gateFacts, "--plan", filepath.Join(dir, "none.hcl")}, "Cannot read plan"},
		{"invalid plan", []string{"gate", "--facts", gateFacts, "--plan", bad}, "bad.hcl:3:13"},
		{"selector typo", []string{"gate", "--facts", gateFacts, "--plan", typo}, `no group "wrokers"`},
		{"limit matches nothing", []string{"gate", "--facts", gateFacts, "--plan", "../../examples/plans/nokmem.hcl", "--limit", "group=nope"}, "--limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := kaudit(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestGateWaiversAndList(t *testing.T) {
	dir := t.TempDir()
	expires := time.Now().UTC().AddDate(0, 0, 5).Format(time.DateOnly)
	inv := filepath.Join(dir, "inv.hcl")
	src := `group "workers" {
  hosts = ["seed000-centos75", "seed000-centos75-c0001"]
}

waiver "kmem.kubelet" {
  checks  = ["kmem.accounting", "kmem.runc"]
  groups  = ["workers"]
  reason  = "nokmem builds rolling out"
  owner   = "platform-team"
  ticket  = "OPS-1234"
  expires = "` + expires + `"
}

waiver "kmem.kernel_log" {
  reason  = "old SLUB lines from before the last reboot"
  expires = "2099-12-31"
}
`
	if err := os.WriteFile(inv, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(dir, "gate.json")
	code, _, stderr := kaudit(t, "gate", "--facts", gateFacts, "--history", seedFlatHistory(t, gateFacts), "-i", inv, "--limit", "group=workers", "--plan", "../../examples/plans/kubelet-1.15.hcl", "--report", "json="+js)
	if code != exitFailures {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		`inv.hcl:5:1: warning: waiver "kmem.kubelet": expires on ` + expires + " (in 5 days)",
		`inv.hcl:14:1: error: waiver "kmem.kernel_log": kmem.kernel_log is a critical check: not waived on 4 result(s)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	h := r.Hosts[0]
	if got := strings.Join(h.GateBlockers, " "); got != "kmem.kernel_log kmem.risk" {
		t.Errorf("blockers %q: want the critical checks only (kubelet, accounting and runc are waived)", got)
	}
	if r.Summary.Results["waived"] == 0 {
		t.Errorf("no waived result in the summary")
	}

	code, out, stderr := kaudit(t, "waiver", "list", "-i", inv, "-v")
	if code != exitOK {
		t.Fatalf("waiver list exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"kmem.kubelet     expiring  " + expires + "  platform-team  OPS-1234  kmem.accounting,kmem.runc,kmem.kubelet  2: seed000-centos75, seed000-centos75-c0001",
		"kmem.kernel_log  unused    2099-12-31",
		"note: kmem.kernel_log is critical: not waived without allow_critical = true",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("waiver list lacks %q:\n%s", want, out)
		}
	}
	if code, _, stderr := kaudit(t, "waiver", "list"); code != exitUsage || !strings.Contains(stderr, "needs an inventory") {
		t.Errorf("waiver list without -i: exit %d %s", code, stderr)
	}
}
