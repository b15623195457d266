package gate

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// fleetFile is the test fleet's seed 000 node (CentOS 7.5.1804,
// 3.10.0-862.el7, kubelet v1.12.3, docker 18.06.1-ce + docker-runc
// 1.0.0-rc5+dev, kmem active, seed 000's dmesg), two clones and two
// unreachable hosts, collected with kaudit facts from internal/testfleet
// with examples/plans/testfleet-groups.hcl (testdata/gate/README.md).
const fleetFile = "../../../testdata/gate/testfleet-seed000.json"

var (
	engineOnce sync.Once
	engine     *policies.Engine
	engineErr  error
)

func testEngine(t *testing.T) *policies.Engine {
	t.Helper()
	engineOnce.Do(func() { engine, engineErr = policies.New(context.Background(), policies.Options{}) })
	if engineErr != nil {
		t.Fatalf("policies: %v", engineErr)
	}
	return engine
}

// readFleet reads a fleet facts file, keeping the hosts of group (as
// --limit group=NAME would).
func readFleet(t *testing.T, path, group string) []facts.FleetHost {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ff, err := facts.ReadFleetFacts(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []facts.FleetHost
	for _, h := range ff.Hosts {
		if group == "" || slices.Contains(h.Groups, group) {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no host of group %q in %s", group, path)
	}
	return out
}

func invHosts(hosts []facts.FleetHost) []*inventory.Host {
	out := make([]*inventory.Host, len(hosts))
	for i, h := range hosts {
		out[i] = &inventory.Host{Name: h.Name, Address: h.Address, Groups: h.Groups, Labels: h.Labels}
	}
	return out
}

// runGate runs a plan file over hosts as kaudit gate --facts does.
func runGate(t *testing.T, planFile string, hosts []facts.FleetHost, waivers []*inventory.Waiver) *gateOutcome {
	t.Helper()
	p, _, diags := Load(planFile)
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Name
	}
	targets, diags := p.Resolve(FleetInventory(invHosts(hosts)), names)
	if diags.HasErrors() {
		t.Fatalf("resolve: %v", diags)
	}
	out, err := judge(context.Background(), testEngine(t), p, targets, hosts, runOptions{
		Meta:    pipeline.Meta{ToolVersion: "test", FailOn: "high", StartedAt: time.Unix(0, 0), History: flatHistory},
		Workers: 2,
		Waivers: waivers,
		Now:     time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func resultOf(results []policies.Result, id string) policies.Result {
	for _, r := range results {
		if r.ID == id {
			return r
		}
	}
	return policies.Result{}
}

// TestExampleKubelet115 is the first worked example: upgrading the kubelet
// 1.12 → 1.15 on CentOS 7 / 3.10 nodes without nokmem is no-go, because
// kubelet 1.15 still switches kmem accounting on.
func TestExampleKubelet115(t *testing.T) {
	out := runGate(t, "../../../examples/plans/kubelet-1.15.hcl", readFleet(t, fleetFile, "workers"), nil)
	r := out.Report
	if r.Plan.Verdict != NoGo || report.ExitCode(r) != report.ExitFailing {
		t.Fatalf("verdict %s exit %d, want no-go exit 1; reasons %q", r.Plan.Verdict, report.ExitCode(r), r.Plan.Reasons)
	}
	if !strings.HasPrefix(r.Plan.Reasons[0], "group fleet: 2 of 2 hosts no-go (max_no_go 0): seed000-centos75 (") {
		t.Errorf("first reason %q", r.Plan.Reasons[0])
	}
	for _, h := range r.Hosts {
		if h.Gate != NoGo {
			t.Errorf("%s: gate %q, want no-go", h.Name, h.Gate)
		}
		for _, id := range []string{"kmem.kubelet", "kmem.risk"} {
			if !slices.Contains(h.GateBlockers, id) {
				t.Errorf("%s: blockers %v, want %s", h.Name, h.GateBlockers, id)
			}
		}
		k := resultOf(h.Projected, "kmem.kubelet")
		if k.Status != policies.StatusFail || !k.Predicted || !strings.Contains(k.Message, "kubelet v1.15.5") {
			t.Errorf("%s: projected kmem.kubelet %s %q (predicted %v)", h.Name, k.Status, k.Message, k.Predicted)
		}
		planned, _ := k.Evidence[EvidencePlanned].(map[string]string)
		if planned["runtimes.kubelet.version"] != "v1.12.3 → v1.15.5" {
			t.Errorf("%s: planned evidence %v", h.Name, k.Evidence[EvidencePlanned])
		}
		predicted, _ := k.Evidence[EvidencePredicted].(map[string]string)
		if !strings.HasPrefix(predicted["kmem.kubepods.state"], "active, kept: the kubelet does not recreate") {
			t.Errorf("%s: predicted evidence %v", h.Name, k.Evidence[EvidencePredicted])
		}
		if cur := resultOf(h.Results, "kmem.kubelet"); cur.Status != policies.StatusFail || !strings.Contains(cur.Message, "v1.12.3") || cur.Predicted {
			t.Errorf("%s: current kmem.kubelet %s %q", h.Name, cur.Status, cur.Message)
		}
	}
	pf := out.Projections["seed000-centos75"].Facts
	if pf.Runtimes.Kubelet.Version != "v1.15.5" || pf.Kmem.Kubepods.State != "active" || pf.Boot.Cmdline != r.Hosts[0].Facts.Boot.Cmdline {
		t.Errorf("projected facts: kubelet %s kubepods %s cmdline %q", pf.Runtimes.Kubelet.Version, pf.Kmem.Kubepods.State, pf.Boot.Cmdline)
	}
	// No reboot: the kernel log keeps seed 000's SLUB failures.
	if got := resultOf(r.Hosts[0].Projected, "kmem.kernel_log"); got.Status != policies.StatusFail {
		t.Errorf("projected kernel_log %s, want fail (no reboot)", got.Status)
	}
}

// TestExampleNokmem is the second worked example: booting 3.10.0-1160.el7
// with cgroup.memory=nokmem and runc 1.0.0-rc95 is go.
func TestExampleNokmem(t *testing.T) {
	out := runGate(t, "../../../examples/plans/nokmem.hcl", readFleet(t, fleetFile, "workers"), nil)
	r := out.Report
	if r.Plan.Verdict != Go || report.ExitCode(r) != report.ExitCompliant {
		for _, h := range r.Hosts {
			for _, x := range h.Projected {
				t.Logf("%s %s %s: %s", h.Name, x.ID, x.Status, x.Message)
			}
		}
		t.Fatalf("verdict %s exit %d, want go exit 0; reasons %q", r.Plan.Verdict, report.ExitCode(r), r.Plan.Reasons)
	}
	want := map[string]string{
		"kmem.kernel":         "fail", // a fact: every 3.10.0-*.el7 carries the leak
		"kmem.accounting":     "pass",
		"kmem.nokmem_boot":    "pass",
		"kmem.boot_drift":     "pass",
		"kmem.memcg_disabled": "pass",
		"kmem.runc":           "pass",
		"kmem.kubelet":        "pass",
		"kmem.memcg_headroom": "pass",
		"kmem.memcg_zombies":  "pass",
		"kmem.kernel_log":     "pass",
		"kmem.slab_pressure":  "unknown", // reset by the reboot
		"kmem.fragmentation":  "unknown",
		"kmem.risk":           "pass",
	}
	for _, h := range r.Hosts {
		if h.Gate != Go || len(h.GateBlockers) != 0 {
			t.Errorf("%s: gate %s blockers %v", h.Name, h.Gate, h.GateBlockers)
		}
		if h.Status != report.HostNoncompliant {
			t.Errorf("%s: current status %s, want noncompliant (the plan fixes it)", h.Name, h.Status)
		}
		for id, st := range want {
			if got := resultOf(h.Projected, id); got.Status != st {
				t.Errorf("%s: projected %s = %s (%s), want %s", h.Name, id, got.Status, got.Message, st)
			}
		}
	}
	pr := out.Projections["seed000-centos75"]
	f := pr.Facts
	if !pr.Reboot || f.Kernel.Release != "3.10.0-1160.el7.x86_64" || f.Kernel.Family != "rhel7" || f.Kernel.Upstream != "3.10.0" {
		t.Errorf("kernel %+v reboot %v", f.Kernel, pr.Reboot)
	}
	wantCmd := "BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet LANG=en_US.UTF-8 cgroup.memory=nokmem"
	if f.Boot.Cmdline != wantCmd || f.Boot.Nokmem == nil || !*f.Boot.Nokmem || f.Boot.Params["cgroup.memory"] != "nokmem" {
		t.Errorf("cmdline %q nokmem %v", f.Boot.Cmdline, f.Boot.Nokmem)
	}
	for _, e := range f.Boot.Persisted {
		if !e.Nokmem || !strings.Contains(e.Args, "cgroup.memory=nokmem") {
			t.Errorf("persisted %s %s: %q", e.Kind, e.Source, e.Args)
		}
		if e.Default && e.Kind == "grub_cfg" && e.Entry != "CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)" {
			t.Errorf("default grub.cfg entry %q", e.Entry)
		}
	}
	if f.Kmem.Kubepods.State != "inactive" || f.Kmem.ContainersActive != 0 || f.Kmem.ContainersInactive == 0 {
		t.Errorf("kmem %+v", f.Kmem)
	}
	if n, live := f.Cgroup.MemoryNumCgroups, f.Cgroup.MemoryLiveDirs; n == nil || live == nil || *n != *live {
		t.Errorf("memcg count after reboot %v, live %v", n, live)
	}
	if len(f.KernelLog.Signatures) != 0 || f.Runtimes.Runc[0].Version != "1.0.0-rc95" || f.Runtimes.Runc[0].Flavor != "upstream" {
		t.Errorf("kernel log %v runc %+v", f.KernelLog.Signatures, f.Runtimes.Runc)
	}
	for _, p := range []string{"kernel.release", "boot.cmdline", "boot.persisted", "runtimes.runc", "kmem.kubepods.state", "kmem.containers", "cgroup.memory_num_cgroups", "kernel_log.signatures"} {
		if !slices.Contains(f.Predicted, p) {
			t.Errorf("Predicted %v lacks %s", f.Predicted, p)
		}
	}
	if len(r.Hosts[0].Facts.Predicted) != 0 {
		t.Errorf("current facts were modified: predicted %v", r.Hosts[0].Facts.Predicted)
	}
	risk := resultOf(r.Hosts[0].Projected, "kmem.risk")
	predicted, _ := risk.Evidence[EvidencePredicted].(map[string]string)
	if !strings.Contains(predicted["kmem.kubepods.state"], "reported working from 3.10.0-1062.el7, low confidence") {
		t.Errorf("risk evidence %v", risk.Evidence[EvidencePredicted])
	}
}

// TestExampleUnreachable is the third worked example: a plan that targets
// unreachable hosts over max_unreachable is no-go with that reason.
func TestExampleUnreachable(t *testing.T) {
	out := runGate(t, "../../../examples/plans/dc2-unreachable.hcl", readFleet(t, fleetFile, "workers-dc2"), nil)
	r := out.Report
	if r.Plan.Verdict != NoGo || report.ExitCode(r) != report.ExitIncomplete {
		t.Fatalf("verdict %s exit %d, want no-go exit 3; reasons %q", r.Plan.Verdict, report.ExitCode(r), r.Plan.Reasons)
	}
	want := "2 of 3 targeted hosts unreachable (max_unreachable 10% of 3 = 0): fault-tarpit (timeout); fault-refuses-key (auth)"
	if len(r.Plan.Reasons) != 1 || r.Plan.Reasons[0] != want {
		t.Errorf("reasons %q, want [%q]", r.Plan.Reasons, want)
	}
	gates := map[string]string{}
	for _, h := range r.Hosts {
		gates[h.Name] = h.Gate
	}
	if gates["seed000-centos75-c0002"] != Go || gates["fault-tarpit"] != "" || gates["fault-refuses-key"] != "" {
		t.Errorf("gates %v", gates)
	}
}

// TestExampleWaiver: a waiver applies to projected results too; a critical
// check needs allow_critical.
func TestExampleWaiver(t *testing.T) {
	w := &inventory.Waiver{
		Checks: []string{"kmem.kubelet", "kmem.accounting", "kmem.risk"}, Groups: []string{"workers"},
		Reason: "kubelet nokmem builds rolling out", Owner: "platform-team", Ticket: "OPS-1234",
		Expires:   time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		DeclRange: inventory.Range{Filename: "prod.hcl", Line: 90, Column: 1},
	}
	out := runGate(t, "../../../examples/plans/kubelet-1.15.hcl", readFleet(t, fleetFile, "workers"), []*inventory.Waiver{w})
	h := out.Report.Hosts[0]
	if k := resultOf(h.Projected, "kmem.kubelet"); k.Status != policies.StatusWaived || k.Waiver == nil || k.Waiver.OriginalStatus != "fail" {
		t.Errorf("projected kmem.kubelet %s %+v", k.Status, k.Waiver)
	}
	if !slices.Contains(h.GateBlockers, "kmem.risk") || slices.Contains(h.GateBlockers, "kmem.kubelet") {
		t.Errorf("blockers %v: want kmem.risk (critical, not allowed) and not kmem.kubelet", h.GateBlockers)
	}
	if len(out.Notices) != 1 || !strings.Contains(out.Notices[0].String(), "kmem.risk is a critical check") {
		t.Errorf("notices %v", out.Notices)
	}
}

// BenchmarkProject measures projecting one host through the nokmem change.
func BenchmarkProject(b *testing.B) {
	hosts := readFleet(&testing.T{}, fleetFile, "workers")
	p, _, _ := Load("../../../examples/plans/nokmem.hcl")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Project(hosts[0].Facts, p.Changes[0], p.Versions); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGate measures a whole gate run (current and projected
// evaluation, waivers, verdict) over 100 copies of seed 000's node; it
// reports hosts per second.
func BenchmarkGate(b *testing.B) {
	t := &testing.T{}
	base := readFleet(t, fleetFile, "workers")[0]
	hosts := make([]facts.FleetHost, 100)
	names := make([]string, len(hosts))
	for i := range hosts {
		hosts[i] = base
		hosts[i].Name = fmt.Sprintf("worker-%03d", i)
		names[i] = hosts[i].Name
	}
	p, _, _ := Load("../../../examples/plans/nokmem.hcl")
	targets, diags := p.Resolve(FleetInventory(invHosts(hosts)), names)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		out, err := judge(context.Background(), eng, p, targets, hosts, runOptions{Meta: pipeline.Meta{FailOn: "high", History: flatHistory}})
		if err != nil || out.Report.Plan.Verdict != Go {
			b.Fatalf("err %v verdict %+v", err, out.Report.Plan)
		}
	}
	b.ReportMetric(float64(len(hosts)*b.N)/b.Elapsed().Seconds(), "hosts/s")
}

// flatHistory is a flat input.history: kmem.memcg_forecast passes (without
// a history it is unknown, which blocks).
func flatHistory(facts.FleetHost) map[string]any {
	return map[string]any{"runs": 3, "span_hours": 48, "num_cgroups": map[string]any{
		"points": 3, "span_hours": 48, "first": 57, "last": 57, "last_at_ns": int64(1e18), "slope_per_day": 0.0, "restart": ""}}
}
