package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
)

// TestTextGateNoHostileBytes: the plan, the gate's notes and the notices
// reach the terminal cleaned too.
func TestTextGateNoHostileBytes(t *testing.T) {
	out := render(t, &Text{Options: Options{Verbose: true}}, hostileGateReport())
	for _, b := range out {
		if b < 0x20 && b != '\n' || b == 0x7f {
			t.Fatalf("control byte %#x in output:\n%s", b, out)
		}
	}
	for _, bad := range []string{"]0;owned", "[2J", "[31m"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("escape sequence payload %q leaked", bad)
		}
	}
	for _, want := range []string{"GATE plan.hcl  NO-GO", "group edge: <b>1</b> of 1 hosts no-go", "inv.hcl:1:1: waiver \"kmem.runc\": expired <b>on</b> 2026-01-01",
		"after the plan: ? unknown (predicted) cannot judge: ]]> & <script>"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestTextGate: the gate section and, with -v, each host's gate and the
// results the plan changes.
func TestTextGate(t *testing.T) {
	r := sampleGateReport()
	r.Notices = sampleNotices()
	Finalize(r, "high")
	short := string(render(t, &Text{Options: Options{Width: 200}}, r))
	for _, want := range []string{
		"GATE plans/nokmem-rollout.hcl  NO-GO",
		"  ✗ group edge: 1 of 1 hosts no-go (max_no_go 0)",
		"  - 1 of 5 targeted hosts unreachable, within max_unreachable",
		"  no-go  edge-07       incomplete → incomplete; blockers: kmem.kernel_log, kmem.risk, kmem.accounting",
		"  —      k8s-node-002  unreachable: not judged (hostkey)",
		"  go     k8s-node-000  noncompliant → compliant",
		"NOTICES  4",
		`  error    inventories/prod.hcl:86:1: waiver "kmem.runc": expired on 2026-02-28`,
		`  warning  inventories/prod.hcl:96:1: waiver "kmem.runc": expires on 2026-03-09 (in 7 days)`,
	} {
		if !strings.Contains(short, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Contains(short, "after the plan:") {
		t.Error("per-result plan lines without Verbose")
	}
	if strings.Index(short, "NOTICES") > strings.Index(short, "FAIL  gate: no-go") {
		t.Error("notices should come before the verdict")
	}
	long := string(render(t, &Text{Options: Options{Verbose: true, Width: 200}}, r))
	section := func(host string) string {
		i := strings.Index(long, "── ")
		for i >= 0 && !strings.HasPrefix(long[i:], "── ") || !strings.Contains(long[i:i+60], " "+host+" ") {
			j := strings.Index(long[i+1:], "\n── ")
			if j < 0 {
				t.Fatalf("no section for %s", host)
			}
			i += j + 2
		}
		end := strings.Index(long[i+1:], "\n── ")
		if end < 0 {
			return long[i:]
		}
		return long[i : i+1+end]
	}
	node0 := section("k8s-node-000")
	for _, want := range []string{
		"   gate go  noncompliant now, compliant after the plan",
		"      after the plan: ✓ pass (predicted) kernel 3.10.0-1160.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak, but mitigated",
		"      after the plan: ? unknown (predicted) no Normal or DMA32 zone in /proc/buddyinfo",
		"      after the plan: ~ waived (predicted) SUnreclaim or MemTotal missing",
		"        waived (was unknown) by platform-team until 2026-04-30 [OPS-2301]: slab and buddyinfo are re-audited after the rollout",
	} {
		if !strings.Contains(node0, want) {
			t.Errorf("k8s-node-000's detail lacks %q:\n%s", want, node0)
		}
	}
	// kmem.kernel fails before and after with another message: it does not
	// block (low), so it is not repeated; kmem.memcg_disabled is unchanged.
	if strings.Count(node0, "after the plan:") != 8 {
		t.Errorf("k8s-node-000: %d after-the-plan lines, want 8 (one per changed status)", strings.Count(node0, "after the plan:"))
	}
	edge := section("edge-07")
	for _, want := range []string{
		"   gate no-go  incomplete now, incomplete after the plan; blockers after the plan: kmem.kernel_log, kmem.risk, kmem.accounting",
		// kmem.risk stays unknown, for another reason: it blocks, so it is shown.
		"      after the plan: ? unknown (predicted) cannot judge: kmem accounting evidence is unreadable (collector ran without sudo)",
		"      after the plan: ✓ pass (predicted) kernel 4.4.0-210-generic",
	} {
		if !strings.Contains(edge, want) {
			t.Errorf("edge-07's detail lacks %q:\n%s", want, edge)
		}
	}
	if !strings.Contains(section("k8s-node-002"), "   gate not judged: unreachable") {
		t.Error("unreachable host's detail does not say it was not judged")
	}
	if strings.Contains(section("build-01"), "after the plan:") {
		t.Error("build-01 (not targeted, unchanged) has after-the-plan lines")
	}
	colour := string(render(t, &Text{Options: Options{Color: true, Verbose: true}}, r))
	if !strings.Contains(colour, "\x1b[31merror   \x1b[0m") || !strings.Contains(colour, "\x1b[33mwarning \x1b[0m") {
		t.Error("notice levels are not coloured")
	}
}

// TestTextGateProjectedOnly: a check with a result only after the plan is
// listed too.
func TestTextGateProjectedOnly(t *testing.T) {
	r := &Report{Plan: &Plan{File: "p.hcl", Verdict: GateNoGo}, Hosts: []Host{{
		Name: "h", Address: "192.0.2.1", Gate: GateNoGo, GateBlockers: []string{"kmem.runc"},
		Results:   []policies.Result{{ID: "kmem.kernel", Severity: "low", Status: "pass", Message: "ok"}},
		Projected: []policies.Result{{ID: "kmem.kernel", Severity: "low", Status: "pass", Message: "ok"}, {ID: "kmem.runc", Severity: "high", Status: "fail", Message: "runc 1.0.0-rc10 enables kmem", Predicted: true}},
	}}}
	Finalize(r, "high")
	out := string(render(t, &Text{Options: Options{Verbose: true}}, r))
	if !strings.Contains(out, "· none high     kmem.runc\n      after the plan: ✗ fail (predicted) runc 1.0.0-rc10 enables kmem") {
		t.Errorf("projected-only result missing:\n%s", out)
	}
}
