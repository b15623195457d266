package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kaudit/kaudit/policies"
)

// sgr matches the colour sequences the renderer itself writes.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestTextNoHostileBytes(t *testing.T) {
	for _, opts := range []Options{{}, {Verbose: true}, {Verbose: true, Color: true}} {
		out := render(t, &Text{Options: opts}, finishedSample(t))
		if !utf8.Valid(out) {
			t.Fatalf("%+v: invalid UTF-8", opts)
		}
		rest := out
		if opts.Color {
			if !sgr.Match(out) {
				t.Fatal("Color: no colour written")
			}
			rest = sgr.ReplaceAll(out, nil)
		}
		for _, b := range rest {
			if b < 0x20 && b != '\n' || b == 0x7f {
				t.Fatalf("%+v: control byte %#x in output:\n%s", opts, b, out)
			}
		}
		if bytes.Contains(rest, []byte("]0;owned")) || bytes.Contains(rest, []byte("[2J")) {
			t.Fatalf("%+v: escape sequence payload leaked", opts)
		}
		if opts.Verbose && !bytes.Contains(out, []byte(hostilePretty)) {
			t.Errorf("%+v: the hostile PRETTY_NAME should show as the literal text", opts)
		}
	}
}

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

func TestTextColourOnlyWhenAsked(t *testing.T) {
	out := render(t, &Text{Options: Options{Verbose: true}}, finishedSample(t))
	if bytes.IndexByte(out, 0x1b) >= 0 {
		t.Fatal("ESC in output without Color")
	}
}

func TestTextWidth(t *testing.T) {
	gate := sampleGateReport()
	gate.Notices = sampleNotices()
	Finalize(gate, "high")
	for _, width := range []int{60, 80, 132} {
		out := render(t, &Text{Options: Options{Verbose: true, Width: width}}, finishedSample(t))
		out = append(out, render(t, &Text{Options: Options{Verbose: true, Width: width}}, gate)...)
		for i, line := range strings.Split(string(out), "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("width %d: line %d has %d runes: %q", width, i+1, n, line)
			}
		}
	}
}

func TestTextSummaryContent(t *testing.T) {
	out := string(render(t, &Text{}, finishedSample(t)))
	for _, want := range []string{
		"noncompliant      2",
		"unreachable       1",
		"critical kmem.risk               2",
		"k8s-node-002  10.20.0.12  hostkey (host key not verified): ssh: handshake failed",
		"edge-07  192.0.2.7  unknown: kmem.kernel_log, kmem.risk, kmem.accounting",
		"kmem.memcg_headroom (new)",
		"old-node-9  kmem.risk  host absent",
		"FAIL  2 of 6 hosts fail checks at or above high  (exit 1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Contains(out, "kmem.nokmem_boot\n") || strings.Contains(out, "── ") {
		t.Error("per-host detail without Verbose")
	}
}

// TestTextListsCapped: at fleet size the summary stays short; Verbose has
// every host.
func TestTextListsCapped(t *testing.T) {
	big := bigReport(600)
	Finalize(big, "high")
	short := string(render(t, &Text{}, big))
	if n := strings.Count(short, "\n"); n > 200 {
		t.Errorf("summary of 600 hosts has %d lines", n)
	}
	if !strings.Contains(short, fmt.Sprintf("… and %d more", big.Summary.Hosts[HostNoncompliant]-textListCap)) {
		t.Error("no '… and N more' line")
	}
	long := string(render(t, &Text{Options: Options{Verbose: true}}, big))
	if got := strings.Count(long, "\n── "); got != 600 {
		t.Errorf("verbose has %d host sections, want 600", got)
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
