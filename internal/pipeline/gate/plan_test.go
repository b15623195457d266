package gate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestParsePlan(t *testing.T) {
	src := `
rules {
  max_unreachable = "12.5%"
  max_no_go       = 1
}

change "workers" {
  select           = ["group=workers", "label.dc=dc1"]
  kernel           = "3.10.0-1160.el7.x86_64"
  boot_args_add    = ["cgroup.memory=nokmem"]
  boot_args_remove = ["cgroup_disable=memory"]
  runc             = "v1.0.0-rc95"
  runc_nokmem      = false
  docker           = "19.03.15"
  containerd       = "1.4.13"
  kubelet          = "1.15.5"
  kubelet_nokmem   = true
}

change "ubuntu" {
  select           = ["ubuntu-*"]
  kernel           = "4.4.0-210-generic"
  kernel_signature = "Ubuntu 4.4.0-210.242-generic 4.4.262"
}

group "workers" { max_no_go = "10%" }
`
	p, _, diags := Parse([]byte(src), "plan.hcl")
	if diags.HasErrors() || len(diags) != 0 {
		t.Fatalf("diags: %v", diags)
	}
	if got := p.Rules.MaxUnreachable; !got.IsPercent || got.Percent != 12.5 || p.Rules.MaxNoGo.Count != 1 {
		t.Errorf("rules %+v", p.Rules)
	}
	if len(p.Changes) != 2 || len(p.Groups) != 1 || p.Groups[0].MaxNoGo.String() != "10%" {
		t.Fatalf("changes %d groups %+v", len(p.Changes), p.Groups)
	}
	c := p.Changes[0]
	got := fmt.Sprintf("%s %q %s %q %q %s %v %s %s %s %v reboot=%v",
		c.Name, c.Select, c.Kernel, c.BootArgsAdd, c.BootArgsRemove, c.Runc, *c.RuncNokmem, c.Docker, c.Containerd, c.Kubelet, *c.KubeletNokmem, c.Reboots())
	want := `workers ["group=workers" "label.dc=dc1"] 3.10.0-1160.el7.x86_64 ["cgroup.memory=nokmem"] ["cgroup_disable=memory"] 1.0.0-rc95 false 19.03.15 1.4.13 v1.15.5 true reboot=true`
	if got != want {
		t.Errorf("change:\n got %s\nwant %s", got, want)
	}
	if r := c.Range("kubelet"); r.Start.Line != 16 || r.Start.Column != 22 {
		t.Errorf("kubelet range %v", r)
	}
	if p.Changes[1].Reboots() != true || p.Changes[1].KernelSignature == "" {
		t.Errorf("ubuntu change %+v", p.Changes[1])
	}
}

func TestParsePlanDiagnostics(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // summary: detail substring
		pos       string // file:line:col of the subject
		warn      bool
	}{
		{"no change", "rules {}\n", "No change block", "plan.hcl:1:1", false},
		{"unknown block", "upgrade \"x\" {}\n", "Unsupported block type", "plan.hcl:1:1", false},
		{"unknown argument", "change \"w\" {\n  select = [\"w*\"]\n  kubelet_version = \"v1.15.5\"\n}\n", "Unsupported argument", "plan.hcl:3:3", false},
		{"missing select", "change \"w\" {\n  kubelet = \"v1.15.5\"\n}\n", "Missing required argument", "plan.hcl:1:12", false},
		{"empty select", "change \"w\" {\n  select = []\n  kubelet = \"v1.15.5\"\n}\n", "Empty select: change \"w\" selects nothing", "plan.hcl:2:12", false},
		{"select not a list", "change \"w\" {\n  select = 3\n  kubelet = \"v1.15.5\"\n}\n", "Invalid select", "plan.hcl:2:12", false},
		{"bad kubelet", "change \"w\" {\n  select = [\"w*\"]\n  kubelet = \"latest\"\n}\n", `Invalid kubelet version: change "w": "vlatest" is not a kubelet version`, "plan.hcl:3:13", false},
		{"bad runc", "change \"w\" {\n  select = [\"w*\"]\n  runc = \"rc95\"\n}\n", `Invalid runc version`, "plan.hcl:3:10", false},
		{"bad kernel", "change \"w\" {\n  select = [\"w*\"]\n  kernel = \"centos7\"\n}\n", `Invalid kernel: change "w": cannot tell the upstream version`, "plan.hcl:3:12", false},
		{"signature alone", "change \"w\" {\n  select = [\"w*\"]\n  kernel_signature = \"Ubuntu 4.4.0-210.242-generic 4.4.262\"\n}\n", "kernel_signature without kernel", "plan.hcl:3:22", false},
		{"runc nokmem too old", "change \"w\" {\n  select = [\"w*\"]\n  runc = \"1.0.0-rc5\"\n  runc_nokmem = true\n}\n", "No nokmem build tag: change \"w\": runc 1.0.0-rc5 predates the nokmem build tag (from 1.0.0-rc6)", "plan.hcl:4:17", false},
		{"kubelet nokmem too old", "change \"w\" {\n  select = [\"w*\"]\n  kubelet = \"v1.13.12\"\n  kubelet_nokmem = true\n}\n", "kubelet v1.13.12 predates -tags=nokmem (supported from 1.14)", "plan.hcl:4:20", false},
		{"reboot false with kernel", "change \"w\" {\n  select = [\"w*\"]\n  kernel = \"3.10.0-1160.el7.x86_64\"\n  reboot = false\n}\n", "Change needs a reboot", "plan.hcl:4:12", false},
		{"arg with blank", "change \"w\" {\n  select = [\"w*\"]\n  boot_args_add = [\"a b\"]\n}\n", `Invalid boot argument: change "w": "a b" is not one kernel argument`, "plan.hcl:3:19", false},
		{"add and remove", "change \"w\" {\n  select = [\"w*\"]\n  boot_args_add = [\"cgroup.memory=nokmem\"]\n  boot_args_remove = [\"cgroup.memory\"]\n}\n", "Conflicting boot arguments", "plan.hcl:4:22", false},
		{"add twice", "change \"w\" {\n  select = [\"w*\"]\n  boot_args_add = [\"a=1\", \"a=2\"]\n}\n", `change "w" adds both "a=1" and "a=2"`, "plan.hcl:3:19", false},
		{"bad percent", "rules {\n  max_unreachable = \"120%\"\n}\nchange \"w\" {\n  select = [\"w*\"]\n  reboot = true\n}\n", `Invalid max_unreachable: "120%" is not a percentage`, "plan.hcl:2:21", false},
		{"negative count", "rules {\n  max_no_go = -1\n}\nchange \"w\" {\n  select = [\"w*\"]\n  reboot = true\n}\n", "a count must be a whole number", "plan.hcl:2:15", false},
		{"fraction count", "group \"g\" {\n  max_no_go = 1.5\n}\nchange \"w\" {\n  select = [\"w*\"]\n  reboot = true\n}\n", "a count must be a whole number", "plan.hcl:2:15", false},
		{"bool limit", "rules {\n  max_no_go = true\n}\nchange \"w\" {\n  select = [\"w*\"]\n  reboot = true\n}\n", "must be a number or a string", "plan.hcl:2:15", false},
		{"duplicate change", "change \"w\" {\n  select = [\"w*\"]\n  reboot = true\n}\nchange \"w\" {\n  select = [\"x*\"]\n  reboot = true\n}\n", "Duplicate change block: change w is already declared at plan.hcl:1:1", "plan.hcl:5:1", false},
		{"two rules", "rules {}\nrules {}\nchange \"w\" {\n  select = [\"w*\"]\n  reboot = true\n}\n", "Duplicate rules block", "plan.hcl:2:1", false},
		{"variables are not allowed", "change \"w\" {\n  select = [var.x]\n  reboot = true\n}\n", "Variables not allowed", "plan.hcl:2:13", false},
		{"empty string", "change \"w\" {\n  select = [\"w*\"]\n  docker = \" \"\n}\n", "Empty docker", "plan.hcl:3:12", false},
		{"changes nothing", "change \"w\" {\n  select = [\"w*\"]\n}\n", "Change changes nothing", "plan.hcl:1:1", true},
		{"syntax", "change \"w\" {\n  select = [\"w*\"\n}\n", "Missing item separator", "plan.hcl:3:1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, files, diags := Parse([]byte(tt.src), "plan.hcl")
			if files["plan.hcl"] == nil {
				t.Errorf("parsed file not returned")
			}
			if !tt.warn && (p != nil || !diags.HasErrors()) {
				t.Fatalf("want an error, got plan %v diags %v", p, diags)
			}
			var found *hcl.Diagnostic
			for _, d := range diags {
				if strings.Contains(d.Summary+": "+d.Detail, tt.want) {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("no diagnostic %q in %v", tt.want, diags)
			}
			if (found.Severity == hcl.DiagWarning) != tt.warn {
				t.Errorf("severity %v, want warning=%v", found.Severity, tt.warn)
			}
			if found.Subject == nil || pos(*found.Subject) != tt.pos {
				t.Errorf("position %v, want %s", found.Subject, tt.pos)
			}
		})
	}
}

func TestLimit(t *testing.T) {
	tests := []struct {
		in       string
		n        int
		allowed  int
		describe string
		err      bool
	}{
		{"0", 10, 0, "0", false},
		{"3", 10, 3, "3", false},
		{"10%", 5, 0, "10% of 5 = 0", false},
		{"10%", 30, 3, "10% of 30 = 3", false},
		{"10%", 120, 12, "10% of 120 = 12", false},
		{" 33.3 % ", 3, 0, "33.3% of 3 = 0", false},
		{"100%", 7, 7, "100% of 7 = 7", false},
		{"0%", 7, 0, "0% of 7 = 0", false},
		{"-1%", 0, 0, "", true},
		{"101%", 0, 0, "", true},
		{"NaN%", 0, 0, "", true},
		{"1.5", 0, 0, "", true},
		{"ten", 0, 0, "", true},
		{"", 0, 0, "", true},
	}
	for _, tt := range tests {
		l, err := ParseLimit(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseLimit(%q) error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if got := l.Allowed(tt.n); got != tt.allowed {
			t.Errorf("%q of %d allows %d, want %d", tt.in, tt.n, got, tt.allowed)
		}
		if got := l.Describe(tt.n); got != tt.describe {
			t.Errorf("%q Describe(%d) = %q, want %q", tt.in, tt.n, got, tt.describe)
		}
	}
}

// FuzzParse: any plan text gives a plan or error diagnostics, never a
// panic, and every error has a position.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"change \"w\" {\n  select = [\"group=workers\"]\n  kubelet = \"v1.15.5\"\n}\n",
		"rules {\n  max_unreachable = \"10%\"\n  max_no_go = 2\n}\nchange \"w\" {\n  select = [\"w*\"]\n  kernel = \"3.10.0-1160.el7.x86_64\"\n  boot_args_add = [\"cgroup.memory=nokmem\"]\n  runc = \"1.0.0-rc95\"\n  runc_nokmem = true\n}\ngroup \"workers\" { max_no_go = \"5%\" }\n",
		"change \"u\" {\n  select = [\"u*\"]\n  kernel = \"4.4.0-210-generic\"\n  kernel_signature = \"Ubuntu 4.4.0-210.242-generic 4.4.262\"\n  reboot = true\n}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, _, diags := Parse([]byte(src), "fuzz.hcl")
		if p == nil && !diags.HasErrors() {
			t.Fatalf("no plan and no error for %q", src)
		}
		for _, d := range diags {
			if d.Severity == hcl.DiagError && d.Subject == nil && d.Summary != "Cannot read plan" {
				t.Errorf("error without a position: %v", d)
			}
		}
		if p != nil {
			for _, c := range p.Changes {
				if len(c.Select) == 0 {
					t.Errorf("change %q without select accepted", c.Name)
				}
			}
		}
	})
}
