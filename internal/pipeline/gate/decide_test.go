package gate

import (
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
)

func result(id, sev, status string) policies.Result {
	return policies.Result{ID: id, Severity: sev, Status: status}
}

var (
	passing  = []policies.Result{result("kmem.risk", "critical", "pass"), result("kmem.kernel", "low", "fail")}
	failing  = []policies.Result{result("kmem.risk", "critical", "fail"), result("kmem.kubelet", "high", "fail"), result("kmem.kernel", "low", "fail")}
	unknowns = []policies.Result{result("kmem.risk", "critical", "pass"), result("kmem.kernel_log", "critical", "unknown")}
	waived   = []policies.Result{result("kmem.risk", "critical", "waived"), result("kmem.kernel", "low", "fail")}
)

// host is a reachable host whose current results are now and projected
// results after (nil: not re-evaluated).
func host(name string, groups []string, now, after []policies.Result) report.Host {
	return report.Host{Name: name, Groups: groups, Results: now, Projected: after}
}

func down(name string, groups []string, reason string) report.Host {
	return report.Host{Name: name, Groups: groups, Status: report.HostUnreachable, Reason: reason}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		plan    string // rules and group blocks; a change is added
		targets []string
		hosts   []report.Host
		failOn  string
		verdict string
		exit    int
		gates   string // "host=gate[blockers]" in host order
		reasons []string
	}{
		{
			name:    "fixed by the plan",
			targets: []string{"w1", "w2"},
			hosts:   []report.Host{host("w1", []string{"workers"}, failing, passing), host("w2", []string{"workers"}, failing, passing)},
			verdict: Go, exit: 0,
			gates:   "w1=go[] w2=go[]",
			reasons: []string{"go: 2 host(s) judged (2 targeted by the plan, 0 on their current state), every group within its max_no_go"},
		},
		{
			name:    "blocked after the plan",
			targets: []string{"w1", "w2"},
			hosts:   []report.Host{host("w1", []string{"workers"}, passing, failing), host("w2", []string{"workers"}, failing, passing)},
			verdict: NoGo, exit: 1,
			gates:   "w1=no-go[kmem.risk kmem.kubelet] w2=go[]",
			reasons: []string{"group workers: 1 of 2 hosts no-go (max_no_go 0): w1 (kmem.risk, kmem.kubelet)"},
		},
		{
			name:    "fail-on critical lets high through",
			targets: []string{"w1"},
			failOn:  "critical",
			hosts:   []report.Host{host("w1", []string{"workers"}, passing, []policies.Result{result("kmem.kubelet", "high", "fail")})},
			verdict: Go, exit: 0,
			gates: "w1=go[]",
		},
		{
			name:    "unknown blocks, waived does not",
			targets: []string{"w1", "w2"},
			hosts:   []report.Host{host("w1", []string{"workers"}, passing, unknowns), host("w2", []string{"workers"}, passing, waived)},
			verdict: NoGo, exit: 1,
			gates: "w1=no-go[kmem.kernel_log] w2=go[]",
		},
		{
			name:    "untargeted hosts are judged on their current state",
			targets: []string{"w1"},
			hosts:   []report.Host{host("w1", []string{"workers"}, failing, passing), host("m1", []string{"masters"}, failing, nil), host("m2", []string{"masters"}, passing, nil)},
			verdict: NoGo, exit: 1,
			gates:   "w1=go[] m1=no-go[kmem.risk kmem.kubelet] m2=go[]",
			reasons: []string{"group masters: 1 of 2 hosts no-go (max_no_go 0): m1 (kmem.risk, kmem.kubelet)"},
		},
		{
			name:    "group limit, percentage and default",
			plan:    "rules {\n  max_no_go = 1\n}\ngroup \"workers\" {\n  max_no_go = \"50%\"\n}\n",
			targets: []string{"w1", "w2", "w3", "w4", "g1", "g2"},
			hosts: []report.Host{
				host("w1", []string{"workers"}, passing, failing), host("w2", []string{"workers"}, passing, failing),
				host("w3", []string{"workers", "gpu"}, passing, passing), host("w4", []string{"workers", "gpu"}, passing, failing),
				host("g1", []string{"gpu"}, passing, failing), host("g2", nil, passing, failing),
			},
			verdict: NoGo, exit: 1,
			gates: "w1=no-go[kmem.risk kmem.kubelet] w2=no-go[kmem.risk kmem.kubelet] w3=go[] w4=no-go[kmem.risk kmem.kubelet] g1=no-go[kmem.risk kmem.kubelet] g2=no-go[kmem.risk kmem.kubelet]",
			reasons: []string{
				"group workers: 3 of 4 hosts no-go (max_no_go 50% of 4 = 2): w1 (kmem.risk, kmem.kubelet); w2 (kmem.risk, kmem.kubelet); w4 (kmem.risk, kmem.kubelet)",
				"group gpu: 2 of 3 hosts no-go (max_no_go 1): w4 (kmem.risk, kmem.kubelet); g1 (kmem.risk, kmem.kubelet)",
				"group (no group): 1 of 1 hosts no-go, within max_no_go 1: g2 (kmem.risk, kmem.kubelet)",
			},
		},
		{
			name:    "unreachable over the limit, none blocked",
			plan:    "rules {\n  max_unreachable = \"10%\"\n}\n",
			targets: []string{"w1", "w2", "w3"},
			hosts:   []report.Host{host("w1", []string{"workers"}, passing, passing), down("w2", []string{"workers"}, "timeout"), down("w3", []string{"workers"}, "auth"), down("x9", nil, "dns")},
			verdict: NoGo, exit: 3,
			gates:   "w1=go[] w2=[] w3=[] x9=[]",
			reasons: []string{"2 of 3 targeted hosts unreachable (max_unreachable 10% of 3 = 0): w2 (timeout); w3 (auth)"},
		},
		{
			name:    "unreachable within the limit",
			plan:    "rules {\n  max_unreachable = 1\n}\n",
			targets: []string{"w1", "w2"},
			hosts:   []report.Host{host("w1", []string{"workers"}, passing, passing), down("w2", []string{"workers"}, "timeout")},
			verdict: Go, exit: 0,
			gates: "w1=go[] w2=[]",
			reasons: []string{
				"go: 1 host(s) judged (1 targeted by the plan, 0 on their current state), every group within its max_no_go",
				"1 of 2 targeted hosts unreachable, within max_unreachable 1: w2 (timeout)",
			},
		},
		{
			name:    "nothing judged",
			plan:    "rules {\n  max_unreachable = \"100%\"\n}\n",
			targets: []string{"w1"},
			hosts:   []report.Host{down("w1", []string{"workers"}, "timeout")},
			verdict: NoGo, exit: 3,
			reasons: []string{"no host could be judged (1 host(s), none reachable)", "1 of 1 targeted hosts unreachable, within max_unreachable 100% of 1 = 1: w1 (timeout)"},
			gates:   "w1=[]",
		},
		{
			name:    "a host without results is no-go",
			targets: []string{"w1"},
			hosts:   []report.Host{host("w1", []string{"workers"}, nil, nil)},
			verdict: NoGo, exit: 1,
			gates:   "w1=no-go[]",
			reasons: []string{"group workers: 1 of 1 hosts no-go (max_no_go 0): w1 (no results)"},
		},
		{
			name:    "many no-go hosts are counted, five named",
			targets: []string{"a", "b", "c", "d", "e", "f", "g"},
			hosts: []report.Host{
				host("a", []string{"w"}, nil, failing), host("b", []string{"w"}, nil, failing), host("c", []string{"w"}, nil, failing),
				host("d", []string{"w"}, nil, failing), host("e", []string{"w"}, nil, failing), host("f", []string{"w"}, nil, failing), host("g", []string{"w"}, nil, failing),
			},
			verdict: NoGo, exit: 1,
			gates:   "a=no-go[kmem.risk kmem.kubelet] b=no-go[kmem.risk kmem.kubelet] c=no-go[kmem.risk kmem.kubelet] d=no-go[kmem.risk kmem.kubelet] e=no-go[kmem.risk kmem.kubelet] f=no-go[kmem.risk kmem.kubelet] g=no-go[kmem.risk kmem.kubelet]",
			reasons: []string{"group w: 7 of 7 hosts no-go (max_no_go 0): a (kmem.risk, kmem.kubelet); b (kmem.risk, kmem.kubelet); c (kmem.risk, kmem.kubelet); d (kmem.risk, kmem.kubelet); e (kmem.risk, kmem.kubelet); and 2 more"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlan(t, tt.plan+"change \"c\" {\n  select = [\"*\"]\n  reboot = true\n}\n")
			targets := map[string]*Target{}
			for _, n := range tt.targets {
				targets[n] = &Target{Changes: []string{"c"}, Change: p.Changes[0]}
			}
			r := &report.Report{Hosts: tt.hosts}
			report.Finalize(r, tt.failOn)
			Decide(r, p, targets)
			if r.Plan.Verdict != tt.verdict || report.ExitCode(r) != tt.exit {
				t.Errorf("verdict %s exit %d, want %s exit %d", r.Plan.Verdict, report.ExitCode(r), tt.verdict, tt.exit)
			}
			var gates []string
			for _, h := range r.Hosts {
				gates = append(gates, h.Name+"="+h.Gate+"["+strings.Join(h.GateBlockers, " ")+"]")
			}
			if g := strings.Join(gates, " "); g != tt.gates {
				t.Errorf("gates\n got %s\nwant %s", g, tt.gates)
			}
			if tt.reasons != nil && strings.Join(r.Plan.Reasons, "\n") != strings.Join(tt.reasons, "\n") {
				t.Errorf("reasons\n got %q\nwant %q", r.Plan.Reasons, tt.reasons)
			}
			if r.Plan.File != "plan.hcl" {
				t.Errorf("plan file %q", r.Plan.File)
			}
		})
	}
}

func TestAttachAnnotates(t *testing.T) {
	ev := map[string]any{"kmem.kubepods.state": "active", "runtimes.kubelet.version": "v1.15.5", "kmem.containers_active": 3, "cgroup.mode": "v1"}
	cur := &report.Report{Hosts: []report.Host{
		{Name: "w1", Results: []policies.Result{result("kmem.kubelet", "high", "fail")}},
		{Name: "m1", Results: []policies.Result{result("kmem.kubelet", "high", "pass")}},
		{Name: "x1", Status: report.HostUnreachable},
	}}
	after := &report.Report{Hosts: []report.Host{
		{Name: "m1", Results: []policies.Result{result("kmem.kubelet", "high", "pass")}},
		{Name: "w1", Results: []policies.Result{{ID: "kmem.kubelet", Severity: "high", Status: "fail", Evidence: ev}}},
		{Name: "x1"},
	}}
	notes := []Note{
		{Path: "runtimes.kubelet.version", Kind: NotePlanned, Detail: "v1.12.3 → v1.15.5"},
		{Path: "kmem.containers", Kind: NotePredicted, Detail: "kept"},
		{Path: "kernel_log.signatures", Kind: NotePredicted, Detail: "none"},
	}
	Attach(cur, after, map[string]Projection{"w1": {Notes: notes}})
	w := cur.Hosts[0].Projected[0]
	if !w.Predicted || w.Evidence[EvidencePlanned].(map[string]string)["runtimes.kubelet.version"] != "v1.12.3 → v1.15.5" {
		t.Errorf("w1 projected %+v", w)
	}
	pred := w.Evidence[EvidencePredicted].(map[string]string)
	if pred["kmem.containers"] != "kept" || len(pred) != 1 {
		t.Errorf("predicted evidence %v: want kmem.containers only", pred)
	}
	if _, ok := ev[EvidencePlanned]; ok {
		t.Errorf("the evaluated result's evidence map was modified")
	}
	if m := cur.Hosts[1].Projected; len(m) != 1 || m[0].Predicted || m[0].Evidence != nil {
		t.Errorf("untargeted m1 projected %+v: want its results, not marked", m)
	}
	if cur.Hosts[2].Projected != nil {
		t.Errorf("unreachable host got projected results")
	}
}
