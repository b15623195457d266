package policies

import (
	"context"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/facts"
)

// TestSeedVerdicts: each seed's node, as a facts document built from the
// seed's verbatim outputs (testdata/facts/README.md), gets the verdict the
// seed's author reached. Checks the seed says nothing about are unknown,
// never pass.
func TestSeedVerdicts(t *testing.T) {
	e := newEngine(t, Options{})
	tests := []struct {
		seed, fixture string
		want          map[string]string // id → status
		messages      map[string]string // id → substring of the message
	}{
		{
			// CentOS 7.5, 3.10.0-862, k8s v1.12.3, docker 18.06.1-ce: soft
			// lockups and SLUB failures; fixed by a docker whose runc keeps kmem off.
			seed: "000", fixture: "seed000-centos75-softlockup",
			want: map[string]string{
				"kmem.kernel": StatusFail, "kmem.kernel_log": StatusFail, "kmem.runc": StatusFail,
				"kmem.kubelet": StatusFail, "kmem.nokmem_boot": StatusFail, "kmem.risk": StatusFail,
				"kmem.accounting": StatusUnknown, "kmem.memcg_headroom": StatusUnknown,
				"kmem.slab_pressure": StatusUnknown, "kmem.fragmentation": StatusUnknown,
			},
			messages: map[string]string{
				"kmem.kernel":     "kernel 3.10.0-862.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak",
				"kmem.kernel_log": `latest slub_alloc_fail: "SLUB: Unable to allocate memory on node -1 (gfp=0xd0)"`,
				"kmem.runc":       "docker-runc 1.0.0-rc5+dev",
			},
		},
		{
			// A 3.10 node dies; dmesg shows memcg OOM kills and kubepods
			// memory.kmem.slabinfo shows accounting on: fix is nokmem.
			seed: "001", fixture: "seed001-oom-kubepods-active",
			want: map[string]string{
				"kmem.kernel": StatusFail, "kmem.accounting": StatusFail, "kmem.kernel_log": StatusFail,
				"kmem.nokmem_boot": StatusFail, "kmem.risk": StatusFail,
				"kmem.runc": StatusUnknown, "kmem.kubelet": StatusUnknown,
			},
			messages: map[string]string{"kmem.risk": "shortest fix: boot with cgroup.memory=nokmem"},
		},
		{
			// 3.10.0-514: "unable to create nf_conn slab cache", order:6 page
			// allocation failures, no free block above order 3 in Normal,
			// slab eating the node's memory.
			seed: "002", fixture: "seed002-broken",
			want: map[string]string{
				"kmem.kernel": StatusFail, "kmem.kernel_log": StatusFail,
				"kmem.fragmentation": StatusFail, "kmem.slab_pressure": StatusFail,
				// the seed quotes neither runtimes nor cmdline, but its log shows
				// the leak happened: the bottom line never stays unknown or passes.
				"kmem.risk": StatusFail,
			},
			messages: map[string]string{
				"kmem.risk":          "the leak has occurred: kernel log (/var/log/messages): nf_conntrack_cache x2",
				"kmem.slab_pressure": "SUnreclaim 6836344 kB is 42.0% of MemTotal 16267400 kB",
				"kmem.fragmentation": "node 0 Normal: highest free order 3",
				"kmem.kernel_log":    "nf_conntrack_cache x2, page_alloc_fail x1, oci_runtime_error x2",
			},
		},
		{
			// seed 002's healthy node: hundreds of free blocks at orders 4-8.
			seed: "002", fixture: "seed002-healthy",
			want: map[string]string{"kmem.fragmentation": StatusPass, "kmem.kernel_log": StatusUnknown},
		},
		{
			// CentOS 7.4, 3.10.0-693, kubelet v1.15.5, runc 1.0.0-rc10:
			// kubepods and container slabinfo readable.
			seed: "003", fixture: "seed003-centos74-kmem-active",
			want: map[string]string{
				"kmem.kernel": StatusFail, "kmem.accounting": StatusFail, "kmem.runc": StatusFail,
				"kmem.kubelet": StatusFail, "kmem.risk": StatusFail, "kmem.memcg_headroom": StatusPass,
			},
			messages: map[string]string{"kmem.accounting": "active in 2 and inactive (EIO) in 0"},
		},
		{
			// CentOS 7.8, 3.10.0-1127, kubelet v1.15.5 rebuilt with -tags=nokmem
			// and runc 1.0.0-rc10 rebuilt with nokmem: slabinfo gives EIO.
			seed: "003", fixture: "seed003-centos78-nokmem-builds",
			want: map[string]string{
				"kmem.kernel": StatusFail, "kmem.accounting": StatusPass, "kmem.runc": StatusPass,
				"kmem.kubelet": StatusPass, "kmem.risk": StatusPass,
			},
			messages: map[string]string{"kmem.kubelet": "neutralised", "kmem.runc": "neutralised"},
		},
		{
			// dmesg on a 3.10 node: SLUB failures, kmem usage lines, memcg OOM.
			seed: "004", fixture: "seed004-slub-kmem-usage",
			want: map[string]string{
				"kmem.kernel": StatusFail, "kmem.kernel_log": StatusFail, "kmem.risk": StatusFail,
				"kmem.nokmem_boot": StatusUnknown,
			},
			messages: map[string]string{"kmem.risk": "kmem usage lines in the kernel log"},
		},
	}
	for _, tt := range tests {
		t.Run("seed"+tt.seed+"/"+tt.fixture, func(t *testing.T) {
			rs := byID(t, e.Eval(context.Background(), loadFixture(t, tt.fixture), HostInput{Name: tt.fixture}))
			for id, want := range tt.want {
				if got := rs[id]; got.Status != want {
					t.Errorf("seed %s: %s = %s (%s), want %s", tt.seed, id, got.Status, got.Message, want)
				}
			}
			for id, sub := range tt.messages {
				if !strings.Contains(rs[id].Message, sub) {
					t.Errorf("seed %s: %s message %q lacks %q", tt.seed, id, rs[id].Message, sub)
				}
			}
		})
	}
}

// TestSeed003Reproduction: the seed's mkdir loop to "memory 8 65513 1".
func TestSeed003Reproduction(t *testing.T) {
	e := newEngine(t, Options{})
	f := loadFixture(t, "seed003-centos74-kmem-active")
	f.Cgroup.MemoryNumCgroups = ptr(65513)
	r := byID(t, e.Eval(context.Background(), f, HostInput{}))["kmem.memcg_headroom"]
	if r.Status != StatusFail || !strings.Contains(r.Message, "65513") || !strings.Contains(r.Message, "under-reports") {
		t.Errorf("memcg_headroom = %s: %s", r.Status, r.Message)
	}
}

// fix is a documented fix applied to a host's facts, as the node would look
// after it (and the reboot it needs).
type fix struct {
	name  string
	apply func(*facts.Facts)
}

func eioEverywhere(f *facts.Facts) {
	f.Kmem.Kubepods = &facts.KmemCgroup{Path: "/sys/fs/cgroup/memory/kubepods", State: "inactive", Kind: "kubepods"}
	f.Kmem.Containers = []facts.KmemCgroup{{Path: "/sys/fs/cgroup/memory/kubepods/burstable/pod5a41f53f-5ce8-4123-8199-1a865219f297/0c97468753e9933793457e90e9964e9ef6493daae048eb0841bae634e6d5d326", State: "inactive", Kind: "container"}}
	f.Kmem.ContainersFound, f.Kmem.ContainersSampled, f.Kmem.ContainersActive, f.Kmem.ContainersInactive = 1, 1, 0, 1
	f.Sources[facts.SectionKmem] = &facts.Source{Source: "/sys/fs/cgroup/memory"}
}

func setRunc(f *facts.Facts, v string) {
	f.Runtimes.Runc = []facts.Binary{{Name: "runc", Path: "/usr/bin/runc", Version: v, Flavor: "upstream"}}
	f.Sources[facts.SectionRunc] = &facts.Source{Source: "runc --version"}
}

func setKubelet(f *facts.Facts, v string) {
	f.Runtimes.Kubelet = &facts.Binary{Name: "kubelet", Path: "/usr/bin/kubelet", Version: v}
	f.Sources[facts.SectionKubelet] = &facts.Source{Source: "kubelet --version"}
}

func documentedFixes() []fix {
	return []fix{
		{"nokmem on the cmdline + EIO evidence", func(f *facts.Facts) {
			f.Boot.Cmdline += " cgroup.memory=nokmem"
			f.Boot.Nokmem = ptr(true)
			f.Boot.MemcgDisabled = ptr(false)
			f.Sources[facts.SectionCmdline] = &facts.Source{Source: "/proc/cmdline"}
			eioEverywhere(f)
			f.KernelLog = facts.KernelLog{Source: "dmesg"} // rebooted: a fresh ring buffer
		}},
		{"runc >= rc94 + kubelet nokmem build", func(f *facts.Facts) {
			setRunc(f, "1.0.0-rc94")
			if f.Runtimes.Kubelet == nil || f.Runtimes.Kubelet.Version == "" {
				setKubelet(f, "v1.15.5")
			}
			eioEverywhere(f)
			f.KernelLog = facts.KernelLog{Source: "dmesg"}
		}},
		{"kubelet 1.22 (with its runc >= rc94)", func(f *facts.Facts) {
			setKubelet(f, "v1.22.0")
			setRunc(f, "1.1.5+ds1")
			f.Kmem = facts.Kmem{}
			delete(f.Sources, facts.SectionKmem)
			f.KernelLog = facts.KernelLog{Source: "dmesg"}
		}},
	}
}

// TestDocumentedFixesTurnRiskToPass applies each documented fix to every
// failing seed node and expects kmem.risk to pass.
func TestDocumentedFixesTurnRiskToPass(t *testing.T) {
	e := newEngine(t, Options{})
	ctx := context.Background()
	for _, seed := range []string{"seed000-centos75-softlockup", "seed001-oom-kubepods-active", "seed003-centos74-kmem-active", "seed004-slub-kmem-usage"} {
		before := byID(t, e.Eval(ctx, loadFixture(t, seed), HostInput{}))["kmem.risk"]
		if before.Status != StatusFail {
			t.Fatalf("%s: kmem.risk = %s before any fix (%s)", seed, before.Status, before.Message)
		}
		for _, fx := range documentedFixes() {
			f := loadFixture(t, seed)
			if f.Boot.Nokmem == nil { // a fix is verified on a node whose cmdline was read
				f.Boot.Cmdline = "BOOT_IMAGE=/vmlinuz-" + f.Kernel.Release + " ro"
				f.Boot.Nokmem, f.Boot.MemcgDisabled = ptr(false), ptr(false)
				f.Sources[facts.SectionCmdline] = &facts.Source{Source: "/proc/cmdline"}
			}
			fx.apply(f)
			r := byID(t, e.Eval(ctx, f, HostInput{}))["kmem.risk"]
			if r.Status != StatusPass {
				t.Errorf("%s + %s: kmem.risk = %s: %s", seed, fx.name, r.Status, r.Message)
			}
		}
	}
}

// TestRiskLeakOccurred: on an affected kernel, kmem.risk fails while the
// node shows the leak already happened (seed 003's memcg IDs at the cap,
// seed 000's SLUB failures in this boot's dmesg), even with every fix
// applied but no reboot; the remediation drains and reboots.
func TestRiskLeakOccurred(t *testing.T) {
	e := newEngine(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct{ seed, seen string }{
		{"seed003-centos74-kmem-active", "memory num_cgroups 65513"},
		{"seed000-centos75-softlockup", "kernel log (dmesg)"},
	} {
		f := loadFixture(t, tc.seed)
		if tc.seed == "seed003-centos74-kmem-active" {
			n := 65513 // the seed's /proc/cgroups memory row
			f.Cgroup.MemoryNumCgroups = &n
		}
		f.Boot.Cmdline = "BOOT_IMAGE=/vmlinuz-" + f.Kernel.Release + " ro cgroup.memory=nokmem"
		f.Boot.Nokmem, f.Boot.MemcgDisabled = ptr(true), ptr(false)
		f.Sources[facts.SectionCmdline] = &facts.Source{Source: "/proc/cmdline"}
		eioEverywhere(f)
		r := byID(t, e.Eval(ctx, f, HostInput{}))["kmem.risk"]
		if r.Status != StatusFail || !strings.Contains(r.Message, "the leak has occurred: ") || !strings.Contains(r.Message, tc.seen) {
			t.Errorf("%s with nokmem but no reboot: %s: %s", tc.seed, r.Status, r.Message)
		}
		if !strings.Contains(r.Remediation, "kubectl drain <node>") || !strings.Contains(r.Remediation, "reboot") {
			t.Errorf("%s: remediation %q lacks drain and reboot", tc.seed, r.Remediation)
		}
	}
	// a cgroup v1 node on a kernel that recycles memcg IDs passes, saying why
	f := loadFixture(t, "seed000-centos75-softlockup")
	f.Kernel.Release, f.Kernel.Family, f.Kernel.Upstream = "4.19.0-18-amd64", "upstream", "4.19.0"
	r := byID(t, e.Eval(ctx, f, HostInput{}))["kmem.risk"]
	if r.Status != StatusPass || !strings.HasPrefix(r.Message, "not exposed: ") {
		t.Errorf("4.19 on cgroup v1: %s: %s", r.Status, r.Message)
	}
}

// TestRiskNotFooledByHalfFixes: versions alone do not clear cgroups that are
// still accounted, and kubelet 1.22 does not fix seed 000's runc.
func TestRiskNotFooledByHalfFixes(t *testing.T) {
	e := newEngine(t, Options{})
	ctx := context.Background()

	f := loadFixture(t, "seed003-centos74-kmem-active")
	setRunc(f, "1.1.5+ds1")
	setKubelet(f, "v1.22.0")
	r := byID(t, e.Eval(ctx, f, HostInput{}))["kmem.risk"]
	if r.Status != StatusFail || !strings.Contains(r.Message, "shortest fix: reboot") {
		t.Errorf("upgraded but not rebooted: %s: %s", r.Status, r.Message)
	}

	f = loadFixture(t, "seed000-centos75-softlockup")
	setKubelet(f, "v1.22.0")
	r = byID(t, e.Eval(ctx, f, HostInput{}))["kmem.risk"]
	if r.Status != StatusFail || !strings.Contains(r.Message, "upgrade runc 1.0.0-rc5+dev") {
		t.Errorf("kubelet 1.22 with runc rc5: %s: %s", r.Status, r.Message)
	}
}

// TestMitigatedRHEL7PassesHighAndAbove is the spec's promise, given a flat
// history (without one kmem.memcg_forecast is not_applicable: no store).
func TestMitigatedRHEL7PassesHighAndAbove(t *testing.T) {
	e := newEngine(t, Options{})
	flat := map[string]any{"runs": 3, "span_hours": 48, "num_cgroups": map[string]any{
		"points": 3, "span_hours": 48, "first": 300, "last": 300, "last_at_ns": int64(1e18), "slope_per_day": 0.0, "restart": ""}}
	for _, r := range e.EvalHost(context.Background(), EvalInput{Facts: loadFixture(t, "rhel7-mitigated"), History: flat}) {
		if SeverityRank(r.Severity) >= SeverityRank("high") && r.Status != StatusPass {
			t.Errorf("%s (%s) = %s: %s", r.ID, r.Severity, r.Status, r.Message)
		}
		if r.ID == "kmem.kernel" && r.Status != StatusFail {
			t.Errorf("kmem.kernel = %s; a RHEL 7 kernel still carries the leak (low: upgrade advice)", r.Status)
		}
	}
}

// TestUbuntuCgroupV2 is a node the bug cannot touch.
func TestUbuntuCgroupV2(t *testing.T) {
	e := newEngine(t, Options{})
	kernelDependent := map[string]bool{
		"kmem.kernel": true, "kmem.accounting": true, "kmem.nokmem_boot": true, "kmem.runc": true,
		"kmem.kubelet": true, "kmem.memcg_headroom": true, "kmem.memcg_zombies": true, "kmem.risk": true,
	}
	for _, r := range e.Eval(context.Background(), loadFixture(t, "ubuntu2204-cgroupv2"), HostInput{}) {
		if r.Status == StatusFail || r.Status == StatusUnknown || r.Status == StatusError {
			t.Errorf("%s = %s: %s", r.ID, r.Status, r.Message)
		}
		if kernelDependent[r.ID] && r.Status != StatusNotApplicable {
			t.Errorf("%s = %s, want not_applicable: %s", r.ID, r.Status, r.Message)
		}
	}
}

// TestEveryIDOnceForEveryFixture: exactly one result per check id, always,
// including for nil facts.
func TestEveryIDOnceForEveryFixture(t *testing.T) {
	e := newEngine(t, Options{})
	ctx := context.Background()
	inputs := map[string]*facts.Facts{"nil": nil, "empty": {}}
	for _, n := range fixtureNames(t) {
		inputs[n] = loadFixture(t, n)
	}
	for name, f := range inputs {
		rs := e.Eval(ctx, f, HostInput{Name: name})
		if len(rs) != len(kmemIDs) {
			t.Errorf("%s: %d results, want %d", name, len(rs), len(kmemIDs))
		}
		got := byID(t, rs)
		for i, id := range kmemIDs {
			r, ok := got[id]
			if !ok {
				t.Errorf("%s: no result for %s", name, id)
				continue
			}
			if rs[i].ID != id {
				t.Errorf("%s: result %d is %s, want %s (spec order)", name, i, rs[i].ID, id)
			}
			if r.Status == StatusError || r.Pack != BuiltinPack || r.Title == "" || r.Message == "" {
				t.Errorf("%s: %s: %+v", name, id, r)
			}
			if (f == nil || name == "empty") && r.Status != StatusUnknown {
				t.Errorf("%s: %s = %s without evidence, want unknown", name, id, r.Status)
			}
		}
	}
}
