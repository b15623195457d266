package report

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
)

func r(id, sev, status string) policies.Result {
	return policies.Result{ID: id, Severity: sev, Status: status}
}

func TestHostStatusOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		failOn  string
		results []policies.Result
		want    string
	}{
		{"no results is never a pass", "high", nil, HostIncomplete},
		{"all pass", "high", []policies.Result{r("a", "critical", "pass"), r("b", "high", "pass")}, HostCompliant},
		{"critical fail", "high", []policies.Result{r("a", "critical", "fail")}, HostNoncompliant},
		{"fail exactly at threshold", "high", []policies.Result{r("a", "high", "fail")}, HostNoncompliant},
		{"fail below threshold", "high", []policies.Result{r("a", "low", "fail"), r("b", "critical", "pass")}, HostCompliant},
		{"fail below threshold counts at info", "info", []policies.Result{r("a", "low", "fail")}, HostNoncompliant},
		{"unknown at threshold", "high", []policies.Result{r("a", "high", "unknown")}, HostIncomplete},
		{"unknown below threshold", "high", []policies.Result{r("a", "medium", "unknown")}, HostCompliant},
		{"error is incomplete, not noncompliant", "high", []policies.Result{r("a", "critical", "error")}, HostIncomplete},
		{"fail beats unknown", "high", []policies.Result{r("a", "critical", "unknown"), r("b", "high", "fail")}, HostNoncompliant},
		{"waived and n/a are fine", "high", []policies.Result{r("a", "critical", "waived"), r("b", "critical", "not_applicable")}, HostCompliant},
		{"unrecognised severity reaches any threshold", "critical", []policies.Result{r("a", "severe", "fail")}, HostNoncompliant},
		{"unrecognised status is not a pass", "high", []policies.Result{r("a", "high", "skipped")}, HostIncomplete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := HostStatusOf(tc.results, tc.failOn); got != tc.want {
				t.Errorf("HostStatusOf = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFinalizeSample(t *testing.T) {
	rep := sampleReport()
	Finalize(rep, "high")
	want := map[string]string{
		"k8s-node-000": HostNoncompliant,
		"k8s-node-001": HostCompliant, // only kmem.kernel (low) fails: mitigated
		"k8s-node-002": HostUnreachable,
		"k8s-node-003": HostNoncompliant,
		"build-01":     HostCompliant,
		"edge-07":      HostIncomplete, // critical unknowns, waived high fail
	}
	for _, h := range rep.Hosts {
		if h.Status != want[h.Name] {
			t.Errorf("%s: %s, want %s", h.Name, h.Status, want[h.Name])
		}
	}
	if got := (map[string]int{"compliant": 2, "noncompliant": 2, "incomplete": 1, "unreachable": 1}); !reflect.DeepEqual(rep.Summary.Hosts, got) {
		t.Errorf("summary hosts %v, want %v", rep.Summary.Hosts, got)
	}
	if rep.Summary.Failing["kmem.risk"] != 2 || rep.Summary.Failing["kmem.kernel"] != 4 || rep.Summary.Failing["kmem.memcg_headroom"] != 1 {
		t.Errorf("failing %v", rep.Summary.Failing)
	}
	for _, st := range ResultStatuses() {
		if _, ok := rep.Summary.Results[st]; !ok {
			t.Errorf("summary results lacks %s", st)
		}
	}
	total := 0
	for _, n := range rep.Summary.Results {
		total += n
	}
	if total != 13*5 {
		t.Errorf("%d results counted, want 65", total)
	}
	if rep.Summary.Baseline != nil {
		t.Error("baseline counts without a baseline")
	}
	if ExitCode(rep) != ExitFailing {
		t.Errorf("exit %d, want 1", ExitCode(rep))
	}

	// At critical, node-000 and node-003 still fail (kmem.risk); at a
	// threshold nobody reaches nothing fails and edge-07's unknowns vanish.
	Finalize(rep, "critical")
	if rep.Hosts[0].Status != HostNoncompliant || rep.FailOn != "critical" {
		t.Errorf("at critical: %s", rep.Hosts[0].Status)
	}
	Finalize(rep, "bogus")
	if rep.FailOn != "info" {
		t.Errorf("an unknown threshold became %q, want the strictest (info)", rep.FailOn)
	}
	if rep.Hosts[1].Status != HostNoncompliant {
		t.Errorf("at info the mitigated node's low kernel fail counts: %s", rep.Hosts[1].Status)
	}
}

func TestFinalizeDefaultsAndUnreachable(t *testing.T) {
	rep := &Report{Hosts: []Host{
		{Name: "a", Reason: "dns"},
		{Name: "b", Status: HostUnreachable, Reason: "timeout", Results: []policies.Result{r("x", "critical", "pass")}},
	}}
	Finalize(rep, "")
	if rep.FailOn != DefaultFailOn || rep.Schema != Schema {
		t.Errorf("fail_on %q schema %q", rep.FailOn, rep.Schema)
	}
	for _, h := range rep.Hosts {
		if h.Status != HostUnreachable || h.Groups == nil || h.Labels == nil || h.Results == nil {
			t.Errorf("%s: %+v", h.Name, h)
		}
	}
	if ExitCode(rep) != ExitIncomplete {
		t.Errorf("exit %d, want 3", ExitCode(rep))
	}
}

func TestExitCode(t *testing.T) {
	hosts := func(st ...string) []Host {
		var hs []Host
		for _, s := range st {
			hs = append(hs, Host{Status: s})
		}
		return hs
	}
	for _, tc := range []struct {
		name string
		r    Report
		want int
	}{
		{"all compliant", Report{Hosts: hosts("compliant", "compliant")}, 0},
		{"one noncompliant", Report{Hosts: hosts("compliant", "noncompliant")}, 1},
		{"noncompliant beats unreachable", Report{Hosts: hosts("unreachable", "noncompliant")}, 1},
		{"unreachable", Report{Hosts: hosts("compliant", "unreachable")}, 3},
		{"incomplete", Report{Hosts: hosts("incomplete")}, 3},
		{"no hosts", Report{}, 3},
		{"interrupted but all compliant", Report{Interrupted: true, Hosts: hosts("compliant")}, 3},
		{"gate go", Report{Plan: &Plan{Verdict: "go"}, Hosts: hosts("noncompliant")}, 0},
		{"gate no-go", Report{Plan: &Plan{Verdict: "no-go"}, Hosts: []Host{{Status: "noncompliant", Gate: "no-go"}}}, 1},
		{"gate cannot judge", Report{Plan: &Plan{Verdict: "no-go"}, Hosts: []Host{{Status: "unreachable"}}}, 3},
	} {
		if got := ExitCode(&tc.r); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestValidateFailOn(t *testing.T) {
	for _, s := range policies.Severities {
		if err := ValidateFailOn(s); err != nil {
			t.Error(err)
		}
	}
	for _, s := range []string{"", "HIGH", "none", "severe"} {
		if err := ValidateFailOn(s); err == nil || !strings.Contains(err.Error(), "critical, high") {
			t.Errorf("ValidateFailOn(%q) = %v", s, err)
		}
	}
}

func TestApplyBaseline(t *testing.T) {
	rep := finishedSample(t)
	mark := map[string]string{}
	for _, h := range rep.Hosts {
		for _, res := range h.Results {
			mark[h.Name+" "+res.ID] = res.Baseline
			if res.Baseline == "" {
				t.Errorf("%s %s not marked", h.Name, res.ID)
			}
		}
	}
	for key, want := range map[string]string{
		"k8s-node-000 kmem.risk":           BaselineUnchanged, // failing then and now
		"k8s-node-000 kmem.kernel_log":     BaselineNew,       // passed then, fails now
		"k8s-node-000 kmem.boot_drift":     BaselineUnchanged, // passing, not in baseline
		"k8s-node-001 kmem.risk":           BaselineFixed,     // failed, passes after nokmem
		"k8s-node-001 kmem.kernel":         BaselineUnchanged, // still failing (low)
		"k8s-node-003 kmem.memcg_headroom": BaselineNew,
		"edge-07 kmem.nokmem_boot":         BaselineNew, // new host
		"edge-07 kmem.runc":                BaselineUnchanged,
	} {
		if mark[key] != want {
			t.Errorf("%s: %q, want %q", key, mark[key], want)
		}
	}
	wantMissing := []BaselineMissing{
		{Host: "k8s-node-002", Check: "kmem.risk", Title: "Node not at risk of the kmem leak", Severity: "critical", Why: "host_unreachable"},
		{Host: "old-node-9", Check: "kmem.risk", Title: "Node not at risk of the kmem leak", Severity: "critical", Why: "host_absent"},
	}
	if !reflect.DeepEqual(rep.BaselineMissing, wantMissing) {
		t.Errorf("missing %+v", rep.BaselineMissing)
	}
	b := rep.Summary.Baseline
	if b[BaselineNew]+b[BaselineFixed]+b[BaselineUnchanged] != 65 || b["missing"] != 2 || b[BaselineFixed] != 4 {
		t.Errorf("baseline counts %v", b)
	}
}

func TestApplyBaselineTransitions(t *testing.T) {
	base := &Report{Hosts: []Host{{Name: "h", Results: []policies.Result{
		r("to-waived", "high", "fail"), r("to-unknown", "high", "fail"), r("to-na", "high", "fail"),
		r("gone", "high", "fail"), r("was-unknown", "high", "unknown"),
	}}}}
	cur := &Report{Hosts: []Host{{Name: "h", Results: []policies.Result{
		r("to-waived", "high", "waived"), r("to-unknown", "high", "unknown"), r("to-na", "high", "not_applicable"),
		r("was-unknown", "high", "fail"),
	}}}}
	Finalize(cur, "high")
	ApplyBaseline(cur, base)
	got := map[string]string{}
	for _, res := range cur.Hosts[0].Results {
		got[res.ID] = res.Baseline
	}
	want := map[string]string{"to-waived": "unchanged", "to-unknown": "unchanged", "to-na": "fixed", "was-unknown": "new"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("marks %v, want %v", got, want)
	}
	if len(cur.BaselineMissing) != 1 || cur.BaselineMissing[0].Why != "check_absent" {
		t.Errorf("missing %+v", cur.BaselineMissing)
	}
	// Finalize again (e.g. another threshold) keeps the baseline counts.
	Finalize(cur, "critical")
	if cur.Summary.Baseline["fixed"] != 1 || cur.Summary.Baseline["missing"] != 1 {
		t.Errorf("baseline counts after re-finalize %v", cur.Summary.Baseline)
	}
}

func TestNoticeString(t *testing.T) {
	for _, tc := range []struct {
		n    Notice
		want string
	}{
		{Notice{Level: NoticeWarning, Subject: `waiver "kmem.runc"`, Position: "prod.hcl:86:1", Message: "expires on 2026-03-09 (in 7 days)"}, `prod.hcl:86:1: warning: waiver "kmem.runc": expires on 2026-03-09 (in 7 days)`},
		{Notice{Level: NoticeError, Message: "m"}, "error: m"},
	} {
		if got := tc.n.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// waiverNotice is the notice package waiver gives for a problem with the
// waiver whose block label is label.
func waiverNotice(level, label, position, message string) Notice {
	return Notice{Level: level, Subject: fmt.Sprintf("waiver %q", label), Position: position, Message: message}
}
