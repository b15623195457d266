package gate

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/kaudit/kaudit/inventory"
)

// TestPackVersions: the projection's version facts are the kmem pack's
// thresholds, read from its Rego (values as docs/policies.md gives them).
func TestPackVersions(t *testing.T) {
	v, err := PackVersions()
	if err != nil {
		t.Fatal(err)
	}
	want := Versions{
		RuncEnables: "1.0.0-rc3", RuncNokmemTag: "1.0.0-rc6", RuncSafe: "1.0.0-rc94",
		KubeletEnables: "1.8", KubeletNokmemTag: "1.14", KubeletSafe: "1.22",
		KernelNokmemV1: "4.6", RHEL7NokmemReported: "3.10.0-1062.el7",
	}
	if v != want {
		t.Errorf("PackVersions() = %+v, want %+v", v, want)
	}
	p := mustPlan(t, `change "x" {
  select = ["*"]
  runc   = "1.0.0-rc95"
}
`)
	if p.Versions != v {
		t.Errorf("Parse: plan versions %+v, want the pack's", p.Versions)
	}
}

// packVersions is PackVersions for tests.
func packVersions(t testing.TB) Versions {
	t.Helper()
	v, err := PackVersions()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func testInventory() *inventory.Inventory {
	hosts := []*inventory.Host{
		{Name: "worker-001", Address: "10.0.0.1", Groups: []string{"workers"}, Labels: map[string]string{"dc": "dc1"}},
		{Name: "worker-002", Address: "10.0.0.2", Groups: []string{"workers"}, Labels: map[string]string{"dc": "dc2"}},
		{Name: "gpu-01", Address: "10.0.1.1", Groups: []string{"workers", "gpu"}, Labels: map[string]string{"dc": "dc1"}},
		{Name: "db-01", Address: "10.0.2.1", Groups: []string{"databases"}},
		{Name: "bastion", Address: "10.0.3.1"},
	}
	return FleetInventory(hosts)
}

func mustPlan(t *testing.T, src string) *Plan {
	t.Helper()
	p, _, diags := Parse([]byte(src), "plan.hcl")
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	return p
}

func TestResolve(t *testing.T) {
	all := []string{"worker-001", "worker-002", "gpu-01", "db-01", "bastion"}
	tests := []struct {
		name  string
		plan  string
		hosts []string
		want  string // "host=change+change:summary" sorted, joined by " "
		diags []string
	}{
		{
			name:  "group, label and glob",
			plan:  "change \"k\" {\n  select = [\"group=workers\", \"label.dc=dc1\"]\n  kubelet = \"v1.22.17\"\n}\nchange \"d\" {\n  select = [\"db-*\"]\n  reboot = true\n}\n",
			hosts: all,
			want:  "db-01=d:reboot gpu-01=k:v1.22.17 worker-001=k:v1.22.17",
		},
		{
			name:  "changes merge per host",
			plan:  "change \"all\" {\n  select = [\"group=workers\"]\n  boot_args_add = [\"cgroup.memory=nokmem\"]\n}\nchange \"gpu\" {\n  select = [\"group=gpu\"]\n  kubelet = \"v1.22.17\"\n  boot_args_add = [\"cgroup.memory=nokmem\"]\n}\n",
			hosts: all,
			want:  "gpu-01=all+gpu:v1.22.17,+[cgroup.memory=nokmem] worker-001=all:+[cgroup.memory=nokmem] worker-002=all:+[cgroup.memory=nokmem]",
		},
		{
			name:  "only hosts of this run",
			plan:  "change \"k\" {\n  select = [\"group=workers\"]\n  kubelet = \"v1.22.17\"\n}\n",
			hosts: []string{"worker-002", "db-01"},
			want:  "worker-002=k:v1.22.17",
		},
		{
			name:  "no host of this run warns",
			plan:  "change \"k\" {\n  select = [\"group=gpu\"]\n  kubelet = \"v1.22.17\"\n}\n",
			hosts: []string{"db-01"},
			diags: []string{"warning plan.hcl:2:12 Change selects no host of this run: change \"k\" selects 1 inventory host(s), none of them in this run"},
		},
		{
			name:  "conflicting versions",
			plan:  "change \"a\" {\n  select = [\"group=workers\"]\n  kubelet = \"v1.22.17\"\n}\nchange \"b\" {\n  select = [\"group=gpu\"]\n  kubelet = \"v1.23.0\"\n}\n",
			hosts: all,
			want:  "gpu-01=a+b:v1.22.17 worker-001=a:v1.22.17 worker-002=a:v1.22.17",
			diags: []string{`error plan.hcl:7:13 Conflicting changes: host gpu-01 is selected by change "a" and change "b", which set kubelet to "v1.22.17" and "v1.23.0"`},
		},
		{
			name:  "conflicting boot arguments",
			plan:  "change \"a\" {\n  select = [\"group=workers\"]\n  boot_args_add = [\"cgroup.memory=nokmem\"]\n}\nchange \"b\" {\n  select = [\"gpu-*\"]\n  boot_args_remove = [\"cgroup.memory\"]\n}\n",
			hosts: all,
			want:  "gpu-01=a+b:+[cgroup.memory=nokmem]-[cgroup.memory] worker-001=a:+[cgroup.memory=nokmem] worker-002=a:+[cgroup.memory=nokmem]",
			diags: []string{`error plan.hcl:7:22 Conflicting changes: host gpu-01 is selected by change "a" and change "b", which add "cgroup.memory=nokmem" and remove "cgroup.memory"`},
		},
		{
			name:  "reboot = false against a boot argument",
			plan:  "change \"a\" {\n  select = [\"group=workers\"]\n  boot_args_add = [\"cgroup.memory=nokmem\"]\n}\nchange \"b\" {\n  select = [\"gpu-*\"]\n  runc = \"1.0.0-rc95\"\n  reboot = false\n}\n",
			hosts: all,
			want:  "gpu-01=a+b:1.0.0-rc95,+[cgroup.memory=nokmem] worker-001=a:+[cgroup.memory=nokmem] worker-002=a:+[cgroup.memory=nokmem]",
			diags: []string{"error plan.hcl:8:12 Conflicting changes: host gpu-01 is selected by change \"a\" and change \"b\", which set reboot = false together with a kernel or boot arguments"},
		},
		{
			name:  "selector errors point at select",
			plan:  "change \"a\" {\n  select = [\"group=wrokers\"]\n  reboot = true\n}\nchange \"b\" {\n  select = [\"web-*\"]\n  reboot = true\n}\n",
			hosts: all,
			diags: []string{
				`error plan.hcl:2:12 Invalid select: change "a": "group=wrokers": no group "wrokers" in the inventory. Did you mean "workers"?`,
				`error plan.hcl:6:12 Invalid select: change "b": "web-*" matches no host in the inventory`,
			},
		},
		{
			name:  "unknown group block",
			plan:  "change \"a\" {\n  select = [\"group=workers\"]\n  reboot = true\n}\ngroup \"worker\" { max_no_go = 1 }\n",
			hosts: all,
			want:  "gpu-01=a:reboot worker-001=a:reboot worker-002=a:reboot",
			diags: []string{`error plan.hcl:5:1 Unknown group: group "worker" is not declared in the inventory`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets, diags := mustPlan(t, tt.plan).Resolve(testInventory(), tt.hosts)
			var got []string
			for name, tg := range targets {
				got = append(got, fmt.Sprintf("%s=%s:%s", name, strings.Join(tg.Changes, "+"), summary(tg.Change)))
			}
			sort.Strings(got)
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("targets\n got %s\nwant %s", g, tt.want)
			}
			if len(diags) != len(tt.diags) {
				t.Fatalf("diags %v, want %q", diags, tt.diags)
			}
			for i, d := range diags {
				sev := "error"
				if d.Severity == hcl.DiagWarning {
					sev = "warning"
				}
				g := fmt.Sprintf("%s %s %s: %s", sev, pos(*d.Subject), d.Summary, d.Detail)
				if !strings.HasPrefix(g, tt.diags[i]) {
					t.Errorf("diag\n got %s\nwant %s...", g, tt.diags[i])
				}
			}
		})
	}
}

// summary is a short form of a merged change for the table.
func summary(c *Change) string {
	var parts []string
	for _, s := range []string{c.Kernel, c.Runc, c.Kubelet} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	args := ""
	if len(c.BootArgsAdd) > 0 {
		args += fmt.Sprintf("+%v", c.BootArgsAdd)
	}
	if len(c.BootArgsRemove) > 0 {
		args += fmt.Sprintf("-%v", c.BootArgsRemove)
	}
	if args != "" {
		parts = append(parts, args)
	}
	if len(parts) == 0 && c.Reboots() {
		parts = append(parts, "reboot")
	}
	return strings.Join(parts, ",")
}

func TestResolveKeepsPlanUnchanged(t *testing.T) {
	p := mustPlan(t, "change \"a\" {\n  select = [\"group=workers\"]\n  boot_args_add = [\"x=1\"]\n}\nchange \"b\" {\n  select = [\"gpu-*\"]\n  boot_args_add = [\"y=1\"]\n}\n")
	if _, diags := p.Resolve(testInventory(), []string{"gpu-01"}); diags.HasErrors() {
		t.Fatal(diags)
	}
	if a := p.Changes[0]; len(a.BootArgsAdd) != 1 || a.Name != "a" || len(a.attrs) != 2 {
		t.Errorf("merging modified change a: %+v", a)
	}
}
