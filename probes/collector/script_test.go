package collector_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/facts"
)

const nonce = "5f1e0c1a9b3d4e7f8a6b2c0d1e3f4a5b"

// allSections are the sections the script always prints (at least once).
var allSections = append([]string{collector.SectionCollector}, facts.Sections()...)

func byName(secs []collector.Section) map[string][]collector.Section {
	m := map[string][]collector.Section{}
	for _, s := range secs {
		m[s.Name] = append(m[s.Name], s)
	}
	return m
}

// TestScriptFakeRHEL7 runs the script with every shell against the fake
// CentOS 7 node and checks what each section carries.
func TestScriptFakeRHEL7(t *testing.T) {
	h := collectortest.RHEL7Node(t)
	for _, sh := range collectortest.Shells(t) {
		t.Run(sh.Name, func(t *testing.T) {
			raw := h.Run(t, sh, nonce)
			if bytes.Contains(raw, []byte("STDIN LEAK")) {
				t.Fatalf("a command read the script from stdin:\n%s", raw)
			}
			secs := collector.Split(raw, nonce)
			m := byName(secs)
			for _, name := range allSections {
				if len(m[name]) == 0 {
					t.Errorf("section %s missing", name)
				}
			}
			for _, s := range secs {
				if s.Exit == -1 {
					t.Errorf("section %s %s not closed", s.Name, s.Source)
				}
			}
			want := map[string]string{ // section → exact body
				facts.SectionHostname:         "k8s-node-1\n",
				facts.SectionOSReleaseKernel:  "3.10.0-693.el7.x86_64\n",
				facts.SectionRedhatRelease:    "CentOS Linux release 7.4.1708 (Core)\n",
				facts.SectionCmdline:          collectortest.RHEL7Cmdline + "\n",
				facts.SectionBuddyinfo:        string(collectortest.Output(t, "seed002_buddyinfo_broken.txt")),
				facts.SectionExtfragIndex:     string(collectortest.Output(t, "seed002_extfrag_index.txt")),
				facts.SectionExtfragThreshold: "500\n",
				facts.SectionProcCgroups:      collectortest.RHEL7ProcCgroups,
				facts.SectionKernelConfig:     string(collectortest.Output(t, "seed004_kernel_config.txt")),
				facts.SectionKubeletConfig:    "cgroupDriver: systemd\n",
				facts.SectionSlab:             "5\n",
				facts.SectionRunc:             string(collectortest.Output(t, "seed003_runc_rc10.txt")),
				facts.SectionDocker:           string(collectortest.Output(t, "docker_ce_18.06.1.txt")),
				facts.SectionKubelet:          string(collectortest.Output(t, "kubelet_v1.15.5.txt")),
				facts.SectionDockerDaemon:     collectortest.Seed003DaemonJSON,
				facts.SectionGrubCfg:          collectortest.RHEL7GrubCfg,
			}
			for name, body := range want {
				if len(m[name]) == 0 {
					continue
				}
				s := m[name][0]
				if string(s.Body) != body || s.Exit != 0 || s.Truncated {
					t.Errorf("section %s (%s): exit %d trunc %v body\n%q\nwant exit 0 body\n%q", name, s.Source, s.Exit, s.Truncated, s.Body, body)
				}
			}
			// The grubenv block keeps its # padding line whole.
			if g := m[facts.SectionGrubenv]; len(g) != 1 || !strings.Contains(string(g[0].Body), "saved_entry=CentOS Linux (3.10.0-693.el7.x86_64) 7 (Core)\n####") {
				t.Errorf("grubenv: %+v", g)
			}
			// Absent files and commands.
			for name, rc := range map[string]int{facts.SectionVersionSignature: 2, facts.SectionBLS: 2, facts.SectionGrubby: 127, facts.SectionContainerd: 127, facts.SectionCgroupV2: 2} {
				if s := m[name]; len(s) != 1 || s[0].Exit != rc {
					t.Errorf("section %s: %+v, want one with exit %d", name, s, rc)
				}
			}
			if s := m[facts.SectionMounts]; len(s) == 1 {
				for _, l := range strings.Split(strings.TrimSpace(string(s[0].Body)), "\n") {
					if !strings.Contains(l, " cgroup ") {
						t.Errorf("cgroup_mounts kept a non-cgroup line %q", l)
					}
				}
			}
			if s := m[facts.SectionMemcgDirs]; len(s) == 1 && string(s[0].Body) != "rc 0\n15\n" {
				t.Errorf("memcg_dirs body %q, want rc 0 and 15 directories", s[0].Body)
			}
			checkKmem(t, m[facts.SectionKmem])
			checkCollector(t, sh, m[collector.SectionCollector])
			if sh.Name != "busybox" { // busybox ash runs its own dmesg applet
				checkKernelLog(t, m[facts.SectionKernelLog])
			}
		})
	}
}

func checkCollector(t *testing.T, sh collectortest.Shell, s []collector.Section) {
	t.Helper()
	if len(s) != 1 {
		t.Fatalf("collector sections: %d", len(s))
	}
	b := string(s[0].Body)
	if !strings.Contains(b, "version="+collector.ScriptVersion+"\n") || !strings.Contains(b, "user=") {
		t.Errorf("collector body %q", b)
	}
	if !strings.Contains(b, "shell="+sh.Name) {
		t.Errorf("collector body %q does not name shell %s", b, sh.Name)
	}
}

func checkKmem(t *testing.T, s []collector.Section) {
	t.Helper()
	if len(s) != 1 {
		t.Fatalf("kmem sections: %d", len(s))
	}
	b := string(s[0].Body)
	root := "/sys/fs/cgroup/memory/kubepods"
	for _, want := range []string{
		"root\t/sys/fs/cgroup/memory\n",
		"cg\tkubepods\t" + root + "\tread\tslabinfo - version: 2.1\n",
		"cg\tpod\t" + root + "/burstable/" + collectortest.PodActive + "\tread\tslabinfo - version: 2.1\n",
		"cg\tcontainer\t" + root + "/burstable/" + collectortest.PodActive + "/" + collectortest.ContainersActive[2] + "\tread\tslabinfo - version: 2.1\n",
		"cg\tpod\t" + root + "/besteffort/" + collectortest.PodInactive + "\tunread\t\n",
		"cg\tcontainer\t" + root + "/besteffort/" + collectortest.PodInactive + "/nokmemfile\tabsent\t\n",
		"cg\tdocker\t/sys/fs/cgroup/memory/docker/" + collectortest.DockerID + "\tunread\t\n",
		"found\tkubepods\t1\n", "found\tpod\t2\n", "found\tcontainer\t5\n", "found\tdocker\t1\n", "found\tsystem_slice\t0\n",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("kmem body lacks %q:\n%s", want, b)
		}
	}
	errs := regexp.MustCompile(`(?m)^err\t.*memory\.kmem\.slabinfo.*Input/output error$`).FindAllString(b, -1)
	if len(errs) != 3 {
		t.Errorf("kmem: %d EIO error lines, want 3:\n%s", len(errs), b)
	}
}

func checkKernelLog(t *testing.T, s []collector.Section) {
	t.Helper()
	if len(s) != 1 || s[0].Source != "dmesg" || s[0].Exit != 0 {
		t.Fatalf("kernel_log: %+v", s)
	}
	b := string(s[0].Body)
	for _, want := range []string{
		"rc 0\n",
		"count soft_lockup 1\nlatest soft_lockup NMI watchdog: BUG: soft lockup - CPU#xx stuck for 22s!\n",
		"count slub_alloc_fail 3\nlatest slub_alloc_fail [五 7月  3 00:00:50 2020] SLUB: Unable to allocate memory on node -1 (gfp=0x80d0)\n",
		"count kmem_usage 2\n", "count memcg_oom 1\n", "count no_more_sockets 2\n",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("kernel_log lacks %q:\n%s", want, b)
		}
	}
}

// TestScriptThisMachine runs the script against this machine's real files
// and checks the structure only.
func TestScriptThisMachine(t *testing.T) {
	for _, sh := range collectortest.Shells(t) {
		t.Run(sh.Name, func(t *testing.T) {
			raw := collectortest.Host{Bin: t.TempDir()}.Run(t, sh, nonce)
			m := byName(collector.Split(raw, nonce))
			for _, name := range allSections {
				if len(m[name]) == 0 {
					t.Errorf("section %s missing", name)
				}
				for _, s := range m[name] {
					if s.Exit == -1 || s.Truncated {
						t.Errorf("section %s %s: exit %d truncated %v", name, s.Source, s.Exit, s.Truncated)
					}
				}
			}
			if k := m[facts.SectionOSReleaseKernel]; len(k) == 1 {
				rel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
				if string(k[0].Body) != string(rel) {
					t.Errorf("kernel_osrelease %q, want %q", k[0].Body, rel)
				}
			}
		})
	}
}

// TestScriptPortable rejects shell features that dash or busybox ash lack.
func TestScriptPortable(t *testing.T) {
	s := string(collector.Script())
	for _, bad := range []string{"[[", "$'", "<<<", "function ", "local ", "${!", "pipefail", "declare ", "source ", "&>", "$RANDOM", "echo -e", "=~"} {
		if strings.Contains(s, bad) {
			t.Errorf("collect.sh uses non-POSIX %q", bad)
		}
	}
	t.Run("shellcheck", func(t *testing.T) {
		shellcheck := testenv.Program(t, "shellcheck", "shellcheck")
		out, err := exec.Command(shellcheck, "-s", "sh", "collect.sh").CombinedOutput()
		if err != nil {
			t.Errorf("shellcheck: %v\n%s", err, out)
		}
	})
	for _, sh := range collectortest.Shells(t) {
		argv := append(append([]string{}, sh.Argv...), "-n", "collect.sh")
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh.Name, err, out)
		}
	}
}

// TestScriptCaps: a section longer than its cap keeps exactly the cap's bytes
// (a long line is cut, not dropped) and says trunc=1.
func TestScriptCaps(t *testing.T) {
	h := collectortest.RHEL7Node(t)
	collectortest.WriteFile(t, h.Root+"/etc/docker/daemon.json", `{"x":"`+strings.Repeat("a", 70000)+`"}`)
	collectortest.Stub(t, h.Bin, "runc", "runc version "+strings.Repeat("9", 300<<10)+"\ncommit: x\n", 0)
	for _, sh := range collectortest.Shells(t) {
		t.Run(sh.Name, func(t *testing.T) {
			m := byName(collector.Split(h.Run(t, sh, nonce), nonce))
			for name, limit := range map[string]int{facts.SectionDockerDaemon: 65536, facts.SectionRunc: 65536} {
				s := m[name]
				if len(s) != 1 || !s[0].Truncated || len(s[0].Body) != limit || !bytes.HasPrefix(s[0].Body, []byte(`{"x":"aaa`)) && !bytes.HasPrefix(s[0].Body, []byte("runc version 999")) {
					t.Errorf("%s: %d sections, truncated %v, %d bytes; want one truncated to %d", name, len(s), len(s) == 1 && s[0].Truncated, len(s[0].Body), limit)
				}
			}
		})
	}
}

// TestScriptNonRoot runs the script as nobody: root-only files must come out
// as permission errors, not as absent. Needs root (to switch user).
func TestScriptNonRoot(t *testing.T) {
	testenv.Root(t, "to run the script as nobody")
	h := collectortest.RHEL7Node(t)
	for _, p := range []string{"/boot/grub2/grub.cfg", "/var/log/messages"} {
		if err := os.Chmod(h.Root+p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(h.Root+"/sys/kernel/debug", 0o700); err != nil {
		t.Fatal(err)
	}
	// t.TempDir is 0700: open the path down to the fake root for nobody.
	for d := h.Root; d != "/" && d != "."; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o055); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chmod(filepath.Dir(h.Bin), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sh := range collectortest.Shells(t) {
		t.Run(sh.Name, func(t *testing.T) {
			raw := h.RunAs(t, sh, nonce, 65534, 65534)
			m := byName(collector.Split(raw, nonce))
			for name, want := range map[string]string{
				facts.SectionGrubCfg:      "/boot/grub2/grub.cfg: Permission denied",
				facts.SectionExtfragIndex: "/sys/kernel/debug/extfrag/extfrag_index: Permission denied",
			} {
				if s := m[name]; len(s) != 1 || s[0].Exit != 1 || string(s[0].Body) != want {
					t.Errorf("%s: %+v, want exit 1 %q", name, s, want)
				}
			}
			if c := m[collector.SectionCollector]; len(c) != 1 || !strings.Contains(string(c[0].Body), "user=nobody\n") {
				t.Errorf("collector: %+v", c)
			}
		})
	}
}
