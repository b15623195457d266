package gate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kaudit/kaudit/probes/facts"
)

// validFacts checks projected facts against docs/facts.schema.json: a
// projection is a facts document like any other.
func validFacts(t *testing.T, sch *jsonschema.Schema, f *facts.Facts) {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("projected facts do not match docs/facts.schema.json: %v", err)
	}
}

func TestEditArgs(t *testing.T) {
	tests := []struct {
		args        string
		add, remove []string
		want        string
	}{
		{"ro quiet", []string{"cgroup.memory=nokmem"}, nil, "ro quiet cgroup.memory=nokmem"},
		{"ro cgroup.memory=nokmem quiet", []string{"cgroup.memory=nokmem"}, nil, "ro cgroup.memory=nokmem quiet"},
		{"ro cgroup.memory=nosocket quiet", []string{"cgroup.memory=nokmem"}, nil, "ro quiet cgroup.memory=nokmem"},
		{"ro cgroup_disable=memory quiet", nil, []string{"cgroup_disable=memory"}, "ro quiet"},
		{"ro cgroup_disable=cpu quiet", nil, []string{"cgroup_disable=memory"}, "ro cgroup_disable=cpu quiet"},
		{"ro rhgb=1 rhgb quiet", nil, []string{"rhgb"}, "ro quiet"},
		{"ro quiet", []string{"quiet", "nosmt"}, []string{"ro"}, "quiet nosmt"},
		{"  ro   quiet ", nil, nil, "ro quiet"},
		{"", []string{"cgroup.memory=nokmem"}, nil, "cgroup.memory=nokmem"},
	}
	for _, tt := range tests {
		if got := editArgs(tt.args, tt.add, tt.remove); got != tt.want {
			t.Errorf("editArgs(%q, +%q, -%q) = %q, want %q", tt.args, tt.add, tt.remove, got, tt.want)
		}
	}
}

// seed000 returns the test fleet's seed 000 node's facts.
func seed000(t *testing.T) *facts.Facts {
	t.Helper()
	return readFleet(t, fleetFile, "workers")[0].Facts
}

func boolp(b bool) *bool { return &b }
func intp(n int) *int    { return &n }

func TestProject(t *testing.T) {
	tests := []struct {
		name   string
		change *Change
		mod    func(f *facts.Facts) // prepares the current facts
		check  func(t *testing.T, p Projection)
	}{
		{
			name:   "reboot takes nokmem from the persisted default entry",
			change: &Change{Reboot: boolp(true)},
			mod: func(f *facts.Facts) { // reboot-pending: persisted, not running
				f.Kernel.Release = "3.10.0-1160.el7.x86_64"
				for i := range f.Boot.Persisted {
					e := &f.Boot.Persisted[i]
					e.Args += " cgroup.memory=nokmem"
					e.Nokmem = true
				}
			},
			check: func(t *testing.T, p Projection) {
				b := p.Facts.Boot
				if !strings.HasSuffix(b.Cmdline, " cgroup.memory=nokmem") || !*b.Nokmem || b.Params["cgroup.memory"] != "nokmem" {
					t.Errorf("cmdline %q nokmem %v", b.Cmdline, *b.Nokmem)
				}
				if kp := p.Facts.Kmem.Kubepods; kp == nil || kp.State != "inactive" || p.Facts.Kmem.ContainersActive != 0 {
					t.Errorf("kmem %+v", p.Facts.Kmem)
				}
				wantNote(t, p, "boot.cmdline", "the next boot takes cgroup.memory=nokmem: true, cgroup_disable=memory: false from grubby --info=DEFAULT")
			},
		},
		{
			name:   "runc upgrade without reboot keeps the containers' state",
			change: &Change{Runc: "1.0.0-rc95"},
			check: func(t *testing.T, p Projection) {
				if p.Reboot || p.Facts.Kmem.ContainersActive != 10 || p.Facts.Kmem.Kubepods.State != "active" {
					t.Errorf("reboot %v kmem %+v", p.Reboot, p.Facts.Kmem)
				}
				if len(p.Facts.KernelLog.Signatures) != 3 || *p.Facts.Cgroup.MemoryNumCgroups != 4188 {
					t.Errorf("kernel log or memcg count changed without a reboot")
				}
				wantNote(t, p, "kmem.containers", "kept: existing pod and container cgroups keep their kmem state")
				wantNote(t, p, "runtimes.runc", "docker-runc 1.0.0-rc5+dev → 1.0.0-rc95")
			},
		},
		{
			name:   "nokmem kubelet and runc builds with a reboot, no boot option",
			change: &Change{Runc: "1.0.0-rc10", RuncNokmem: boolp(true), Kubelet: "v1.15.5", KubeletNokmem: boolp(true), Reboot: boolp(true)},
			check: func(t *testing.T, p Projection) {
				k := p.Facts.Kmem
				if k.Kubepods.State != "inactive" || k.ContainersActive != 0 || k.ContainersInactive != 10 {
					t.Errorf("kmem %+v", k)
				}
				wantNote(t, p, "kmem.kubepods.state", "inactive (was active): kubelet v1.15.5 is built with -tags=nokmem")
				wantNote(t, p, "kmem.containers", "docker-runc 1.0.0-rc10 is built with the nokmem tag")
			},
		},
		{
			name:   "a kubelet 1.15 stock build with a reboot keeps kmem on",
			change: &Change{Kubelet: "v1.15.5", Reboot: boolp(true)},
			check: func(t *testing.T, p Projection) {
				k := p.Facts.Kmem
				if k.Kubepods.State != "active" || k.ContainersActive != 10 {
					t.Errorf("kmem %+v", k)
				}
				wantNote(t, p, "kmem.kubepods.state", "active (was active): kubelet v1.15.5 (1.8 <= v < 1.22) enables kmem accounting on pod cgroups; cgroup.memory=nokmem is not on the cmdline")
				wantNote(t, p, "kmem.containers", "containers below an accounted kubepods inherit kmem accounting")
			},
		},
		{
			name:   "nokmem on a RHEL 7 kernel before 1062 is not predictable",
			change: &Change{Kernel: "3.10.0-957.el7.x86_64", BootArgsAdd: []string{"cgroup.memory=nokmem"}},
			check: func(t *testing.T, p Projection) {
				k := p.Facts.Kmem
				if k.Kubepods != nil || k.ContainersSampled != 0 || len(k.Containers) != 0 {
					t.Errorf("kmem %+v, want nothing predicted", k)
				}
				if s := p.Facts.Sources[facts.SectionKmem]; s == nil || s.Error != facts.ErrNotRun || !strings.Contains(s.Message, "not predictable") {
					t.Errorf("kmem source %+v", s)
				}
				wantNote(t, p, "kmem.kubepods.state", "not predictable (was active): kubelet v1.12.3 enables kmem accounting (observed: kubepods is accounted now), and whether kernel 3.10.0-957.el7.x86_64 honours cgroup.memory=nokmem is unknown")
			},
		},
		{
			name:   "upstream kernel before 4.6 ignores nokmem",
			change: &Change{Kernel: "4.4.0-21-generic", KernelSignature: "Ubuntu 4.4.0-21.37-generic 4.4.6", BootArgsAdd: []string{"cgroup.memory=nokmem"}},
			check: func(t *testing.T, p Projection) {
				kr := p.Facts.Kernel
				if kr.Family != "ubuntu" || kr.Upstream != "4.4.6" || kr.VersionSignature == "" || kr.Config != nil || kr.Version != "" {
					t.Errorf("kernel %+v", kr)
				}
				if p.Facts.Kmem.Kubepods.State != "active" {
					t.Errorf("kubepods %+v", p.Facts.Kmem.Kubepods)
				}
				wantNote(t, p, "kmem.kubepods.state", "predates cgroup.memory=nokmem for cgroup v1 (~4.6) and ignores it")
			},
		},
		{
			name:   "an Ubuntu kernel without its signature has no upstream version",
			change: &Change{Kernel: "4.4.0-210-generic"},
			mod: func(f *facts.Facts) {
				f.Kernel.Family, f.Kernel.VersionSignature = "ubuntu", "Ubuntu 4.4.0-21.37-generic 4.4.6"
			},
			check: func(t *testing.T, p Projection) {
				if kr := p.Facts.Kernel; kr.Family != "ubuntu" || kr.Upstream != "" {
					t.Errorf("kernel %+v", kr)
				}
				wantNote(t, p, "kernel.upstream", "give kernel_signature in the plan")
			},
		},
		{
			name:   "cgroup_disable=memory removes the memory controller",
			change: &Change{BootArgsAdd: []string{"cgroup_disable=memory"}},
			check: func(t *testing.T, p Projection) {
				f := p.Facts
				if *f.Boot.MemcgDisabled != true || *f.Cgroup.MemoryV1 != false || f.Cgroup.MemoryNumCgroups != nil || f.Kmem.Kubepods != nil || len(f.Kmem.Containers) != 0 {
					t.Errorf("cgroup %+v kmem %+v", f.Cgroup, f.Kmem)
				}
				for _, c := range f.Cgroup.Controllers {
					if c.Name == "memory" && c.Enabled {
						t.Errorf("memory controller still enabled")
					}
				}
			},
		},
		{
			name:   "kernel log in /var/log/messages outlives the reboot",
			change: &Change{Reboot: boolp(true)},
			mod:    func(f *facts.Facts) { f.KernelLog.Source = "/var/log/messages" },
			check: func(t *testing.T, p Projection) {
				if len(p.Facts.KernelLog.Signatures) != 3 {
					t.Errorf("signatures %v", p.Facts.KernelLog.Signatures)
				}
				wantNote(t, p, "kernel_log.signatures", "kept: /var/log/messages outlives a reboot")
			},
		},
		{
			name:   "memcg count kept as an upper bound when live dirs are unknown",
			change: &Change{Reboot: boolp(true)},
			mod:    func(f *facts.Facts) { f.Cgroup.MemoryLiveDirs = nil },
			check: func(t *testing.T, p Projection) {
				if *p.Facts.Cgroup.MemoryNumCgroups != 4188 {
					t.Errorf("num %d", *p.Facts.Cgroup.MemoryNumCgroups)
				}
				wantNote(t, p, "cgroup.memory_num_cgroups", "4188 kept as an upper bound")
			},
		},
		{
			name:   "a kubelet installed by the plan creates kubepods",
			change: &Change{Kubelet: "v1.22.17"},
			mod: func(f *facts.Facts) {
				f.Runtimes.Kubelet, f.Runtimes.KubeletCgroupDriver = nil, "systemd"
				f.Kmem = facts.Kmem{}
			},
			check: func(t *testing.T, p Projection) {
				kp := p.Facts.Kmem.Kubepods
				if kp == nil || kp.State != "inactive" || kp.Path != "/sys/fs/cgroup/memory/kubepods.slice" {
					t.Errorf("kubepods %+v", kp)
				}
				if b := p.Facts.Runtimes.Kubelet; b == nil || b.Name != "kubelet" || b.Path != "/usr/bin/kubelet" {
					t.Errorf("kubelet %+v", b)
				}
				wantNote(t, p, "runtimes.kubelet.version", "(none) → v1.22.17")
			},
		},
		{
			name:   "runc with the systemd driver enables kmem only with an explicit limit",
			change: &Change{Runc: "1.0.0-rc10", Reboot: boolp(true)},
			mod: func(f *facts.Facts) {
				f.Runtimes.KubeletCgroupDriver = "systemd"
				f.Kmem.Kubepods.State = "inactive" // a nokmem kubelet
				for i := range f.Kmem.Containers {
					f.Kmem.Containers[i].State = "inactive"
				}
				f.Kmem.ContainersActive, f.Kmem.ContainersInactive = 0, 10
			},
			check: func(t *testing.T, p Projection) {
				if p.Facts.Kmem.ContainersActive != 0 || p.Facts.Kmem.Kubepods.State != "inactive" {
					t.Errorf("kmem %+v", p.Facts.Kmem)
				}
				wantNote(t, p, "kmem.containers", "runs with the systemd cgroup driver: kmem only with an explicit kernel-memory limit")
			},
		},
	}
	sch, err := jsonschema.NewCompiler().Compile("../../../docs/facts.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := seed000(t)
			if tt.mod != nil {
				tt.mod(cur)
			}
			before, _ := json.Marshal(cur)
			p, err := Project(cur, tt.change, packVersions(t))
			if err != nil {
				t.Fatal(err)
			}
			after, _ := json.Marshal(cur)
			if string(before) != string(after) {
				t.Errorf("Project modified the current facts")
			}
			for _, n := range p.Notes {
				if !slices.Contains(p.Facts.Predicted, n.Path) {
					t.Errorf("note path %s not in Predicted %v", n.Path, p.Facts.Predicted)
				}
			}
			validFacts(t, sch, p.Facts)
			tt.check(t, p)
		})
	}
}

func wantNote(t *testing.T, p Projection, path, detail string) {
	t.Helper()
	for _, n := range p.Notes {
		if n.Path == path && strings.Contains(n.Detail, detail) {
			return
		}
	}
	t.Errorf("no note %s containing %q in %+v", path, detail, p.Notes)
}

func TestProjectNoChange(t *testing.T) {
	cur := seed000(t)
	p, err := Project(cur, &Change{Name: "noop", Select: []string{"*"}}, packVersions(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notes) != 0 || p.Reboot || p.Facts.Predicted != nil {
		t.Errorf("notes %v reboot %v predicted %v", p.Notes, p.Reboot, p.Facts.Predicted)
	}
	if !reflect.DeepEqual(p.Facts, cur) {
		t.Errorf("an empty change altered the facts")
	}
}
