package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
)

func TestFixWords(t *testing.T) {
	for _, c := range []struct{ msg, want string }{
		{"kernel 3.10.0-957.el7.x86_64 is affected, kmem accounting is on — fix: boot with cgroup.memory=nokmem", "boot with cgroup.memory=nokmem"},
		{"affected; kmem accounting is or will be on (runc); shortest fix: upgrade runc 1.0.0-rc10 to >= 1.0.0-rc94 (the kubelet is already safe)", "upgrade runc 1.0.0-rc10 to >= 1.0.0-rc94 (the kubelet is already safe)"},
		{"the leak has occurred: x; clear it: drain and reboot; then shortest fix: nothing more: cgroup.memory=nokmem is in effect, the reboot clears what leaked", "drain and reboot, then nothing more: cgroup.memory=nokmem is in effect, the reboot clears what leaked"},
		{"affected; the leak has occurred: kernel log (dmesg): x; in effect now: y; clear it: drain and reboot; then shortest fix: boot with cgroup.memory=nokmem", "drain and reboot, then boot with cgroup.memory=nokmem"},
		{"not exposed: prefix: suffix", ""},
		{"", ""},
	} {
		if got := fixWords(c.msg); got != c.want {
			t.Errorf("fixWords(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}

func TestHTMLBottomLine(t *testing.T) {
	b := htmlBottomOf(finishedSample(t))
	if b == nil || b.Exposed != 2 || b.Unknown != 1 || b.Unreach != 1 || b.NotExposed != 2 || b.Class != "bad" {
		t.Fatalf("bottom line %+v", b)
	}
	if len(b.Fixes) != 1 || b.Fixes[0].Remediation != fixNokmem || len(b.Fixes[0].Hosts) != 2 || b.Fixes[0].Fix != "boot with cgroup.memory=nokmem" {
		t.Errorf("fixes %+v", b.Fixes)
	}
	// A one-line remediation of the real pack: a step per "; ", each with
	// its label and its own copy button.
	r := finishedSample(t)
	for i := range r.Hosts[0].Results {
		if res := &r.Hosts[0].Results[i]; res.ID == "kmem.risk" {
			res.Remediation = "kubectl drain <node> --ignore-daemonsets && reboot; verify after the reboot: cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)"
		}
	}
	b = htmlBottomOf(r)
	if len(b.Fixes) != 2 || len(b.Fixes[0].Steps) != 2 || // a tie: the first host's fix first
		b.Fixes[0].Steps[0] != (htmlStep{ID: "fix-1-1", Cmd: "kubectl drain <node> --ignore-daemonsets && reboot"}) ||
		b.Fixes[0].Steps[1] != (htmlStep{ID: "fix-1-2", Label: "verify after the reboot", Cmd: "cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)"}) {
		t.Errorf("steps %+v", b.Fixes)
	}
	// 5,000 hosts: a handful of fixes, names capped, every host counted.
	big := bigReport(5000)
	Finalize(big, "high")
	b = htmlBottomOf(big)
	n := 0
	for _, f := range b.Fixes {
		n += len(f.Hosts) + f.More
		if len(f.Hosts) > bottomNameCap {
			t.Errorf("%d names listed", len(f.Hosts))
		}
	}
	if n+b.MoreFixHosts != b.Exposed || b.Exposed != 1667 {
		t.Errorf("%d hosts in fixes, %d exposed", n+b.MoreFixHosts, b.Exposed)
	}
	// Another pack: no bottom line.
	other := &Report{Checks: []policies.CheckInfo{{ID: "x.y", Title: "t", Severity: "high"}}}
	if htmlBottomOf(other) != nil {
		t.Error("a bottom line without kmem.risk")
	}
}

// TestHTMLBottomLineOthers: hosts that fail at or above fail-on although
// kmem.risk passes are named on the first screen with what they fail and
// why, so the bottom line accounts for every host the verdict counts.
func TestHTMLBottomLineOthers(t *testing.T) {
	if b := htmlBottomOf(finishedSample(t)); len(b.Others) != 0 || b.OthersN != 0 {
		t.Errorf("sample: every noncompliant host is exposed, yet others %+v", b.Others)
	}
	r := sampleReport()
	for i := range r.Hosts[1].Results { // k8s-node-001: mitigated, but the log shows the leak
		if res := &r.Hosts[1].Results[i]; res.ID == "kmem.kernel_log" {
			res.Status, res.Message, res.Remediation = "fail", "2 leak signatures", "drain the node: kubectl drain k8s-node-001; then: reboot"
		}
	}
	Finalize(r, "high")
	b := htmlBottomOf(r)
	if b.OthersN != 1 || len(b.Others) != 1 || b.Class != "bad" {
		t.Fatalf("others %d %+v", b.OthersN, b.Others)
	}
	o := b.Others[0]
	if !slices.Equal(o.Hosts, []string{"k8s-node-001"}) || !slices.Equal(o.Checks, []string{"kmem.kernel_log"}) {
		t.Errorf("group %+v", o)
	}
	if !strings.HasPrefix(o.Why, "Critical kmem.kernel_log fails although kmem.risk passes:") {
		t.Errorf("why %q", o.Why)
	}
	want := []htmlStep{{ID: "other-1-1", Label: "drain the node", Cmd: "kubectl drain k8s-node-001"}, {ID: "other-1-2", Label: "then", Cmd: "reboot"}}
	if !slices.Equal(o.Steps, want) {
		t.Errorf("steps %+v, want %+v", o.Steps, want)
	}
	// Only checks at or above fail-on are named: at critical, still
	// kmem.kernel_log (critical), never kmem.kernel (low).
	Finalize(r, "critical")
	if o := htmlBottomOf(r).Others; len(o) != 1 || !slices.Equal(o[0].Checks, []string{"kmem.kernel_log"}) {
		t.Errorf("at fail-on critical: others %+v", o)
	}
	// 5,000 hosts: every noncompliant host is exposed or among the others.
	big := bigReport(5000)
	Finalize(big, "high")
	b = htmlBottomOf(big)
	nc, exposedNC := 0, 0
	for i := range big.Hosts {
		h := &big.Hosts[i]
		if h.Status != HostNoncompliant {
			continue
		}
		nc++
		if res := findResult(h.Results, bottomCheck); res != nil && res.Status == "fail" {
			exposedNC++
		}
	}
	listed := b.MoreOtherN
	for _, g := range b.Others {
		listed += len(g.Hosts) + g.More
		if len(g.Hosts) > bottomNameCap {
			t.Errorf("%d names in a group", len(g.Hosts))
		}
	}
	if len(b.Others) > bottomGroupCap || b.OthersN != nc-exposedNC || listed != b.OthersN {
		t.Errorf("%d groups, %d others listed of %d counted; %d noncompliant, %d exposed", len(b.Others), listed, b.OthersN, nc, exposedNC)
	}
}
