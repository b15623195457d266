package parse_test

import (
	"errors"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/parse"
)

const nonce = "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"

// TestBuildFakeRHEL7 runs the real script with every shell against the fake
// CentOS 7 node built from seed outputs, and checks the facts Build derives.
func TestBuildFakeRHEL7(t *testing.T) {
	h := collectortest.RHEL7Node(t)
	for _, sh := range collectortest.Shells(t) {
		t.Run(sh.Name, func(t *testing.T) {
			f := parse.Build("node1", collector.Split(h.Run(t, sh, nonce), nonce))
			checkRHEL7Facts(t, sh.Name, f)
		})
	}
}

func checkRHEL7Facts(t *testing.T, shell string, f *facts.Facts) {
	t.Helper()
	eq := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	eq("schema", f.Schema, facts.Schema)
	eq("host", f.Host, "node1")
	eq("collector.version", f.Collector.Version, collector.ScriptVersion)
	eq("collector.shell", strings.Fields(f.Collector.Shell)[0], shell)
	if w := f.Collector.Watchdogs; w != "budget" && w != "budget,stdin" {
		t.Errorf("collector.watchdogs = %q, want the budget watchdog started", w)
	}
	eq("collector.truncated", f.Collector.Truncated, false)
	eq("hostname", f.Hostname, "k8s-node-1")
	eq("os.id", f.OS.ID, "centos")
	eq("os.redhat_release", f.OS.RedhatRelease, "CentOS Linux release 7.4.1708 (Core)")
	eq("kernel.release", f.Kernel.Release, "3.10.0-693.el7.x86_64")
	eq("kernel.family", f.Kernel.Family, "rhel7")
	eq("kernel.upstream", f.Kernel.Upstream, "3.10.0")
	eq("kernel.config MEMCG_KMEM", f.Kernel.Config["CONFIG_MEMCG_KMEM"], "y")
	if f.Boot.Nokmem == nil || *f.Boot.Nokmem || f.Boot.MemcgDisabled == nil || *f.Boot.MemcgDisabled {
		t.Errorf("boot flags nokmem=%v memcg_disabled=%v, want false/false", f.Boot.Nokmem, f.Boot.MemcgDisabled)
	}
	eq("boot.params.crashkernel", f.Boot.Params["crashkernel"], "auto")
	var kinds []string
	for _, p := range f.Boot.Persisted {
		kinds = append(kinds, p.Kind+":"+p.Entry+":"+map[bool]string{true: "default", false: "-"}[p.Default]+":"+map[bool]string{true: "nokmem", false: "-"}[p.Nokmem])
	}
	eq("persisted", strings.Join(kinds, "|"), "default_grub:GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT:default:nokmem|"+
		"grub_cfg:CentOS Linux (3.10.0-514.el7.x86_64) 7 (Core):-:-|"+
		"grub_cfg:CentOS Linux (3.10.0-693.el7.x86_64) 7 (Core):default:nokmem")
	eq("cgroup.mode", f.Cgroup.Mode, "v1")
	eq("cgroup.memory_mount", f.Cgroup.MemoryMount, "/sys/fs/cgroup/memory")
	if f.Cgroup.MemoryV1 == nil || !*f.Cgroup.MemoryV1 {
		t.Errorf("memory_v1 = %v", f.Cgroup.MemoryV1)
	}
	if f.Cgroup.MemoryNumCgroups == nil || *f.Cgroup.MemoryNumCgroups != 65513 {
		t.Errorf("memory_num_cgroups = %v, want 65513 (seed 003)", f.Cgroup.MemoryNumCgroups)
	}
	if f.Cgroup.MemoryLiveDirs == nil || *f.Cgroup.MemoryLiveDirs != 15 {
		t.Errorf("memory_live_dirs = %v, want 15", f.Cgroup.MemoryLiveDirs)
	}
	if f.Kmem.Kubepods == nil || f.Kmem.Kubepods.State != "active" {
		t.Errorf("kmem.kubepods = %+v, want active", f.Kmem.Kubepods)
	}
	eq("kmem.found", f.Kmem.ContainersFound, 8)
	eq("kmem.sampled", f.Kmem.ContainersSampled, 8)
	eq("kmem.active", f.Kmem.ContainersActive, 4)
	eq("kmem.inactive", f.Kmem.ContainersInactive, 3)
	eq("kmem.error", f.Kmem.ContainersError, 0)
	if f.Kmem.SlabEntries == nil || *f.Kmem.SlabEntries != 5 {
		t.Errorf("slab_entries = %v", f.Kmem.SlabEntries)
	}
	eq("meminfo SUnreclaim", f.Memory.Meminfo["SUnreclaim"], int64(6836344))
	if len(f.Memory.Buddyinfo) != 3 || f.Memory.Buddyinfo[2].Zone != "Normal" || f.Memory.Buddyinfo[2].Free[0] != 40153 {
		t.Errorf("buddyinfo = %+v", f.Memory.Buddyinfo)
	}
	if len(f.Memory.ExtfragIndex) != 3 || f.Memory.ExtfragIndex[1].Index[6] != 0.970 {
		t.Errorf("extfrag_index = %+v", f.Memory.ExtfragIndex)
	}
	if f.Memory.ExtfragThreshold == nil || *f.Memory.ExtfragThreshold != 500 {
		t.Errorf("extfrag_threshold = %v", f.Memory.ExtfragThreshold)
	}
	if len(f.Runtimes.Runc) != 1 || f.Runtimes.Runc[0].Version != "1.0.0-rc10" || f.Runtimes.Runc[0].Flavor != "upstream" {
		t.Errorf("runc = %+v", f.Runtimes.Runc)
	}
	if f.Runtimes.Docker == nil || f.Runtimes.Docker.Version != "18.06.1-ce" {
		t.Errorf("docker = %+v", f.Runtimes.Docker)
	}
	if f.Runtimes.Kubelet == nil || f.Runtimes.Kubelet.Version != "v1.15.5" {
		t.Errorf("kubelet = %+v", f.Runtimes.Kubelet)
	}
	eq("containerd", f.Runtimes.Containerd == nil, true)
	eq("kubelet driver", f.Runtimes.KubeletCgroupDriver, "systemd")
	eq("docker driver", f.Runtimes.DockerCgroupDriver, "systemd")
	for name, class := range map[string]string{
		facts.SectionVersionSignature: facts.ErrAbsent, facts.SectionGrubby: facts.ErrAbsent,
		facts.SectionContainerd: facts.ErrAbsent, facts.SectionBLS: facts.ErrAbsent,
		facts.SectionKmem: "", facts.SectionKernelLog: "", facts.SectionCmdline: "",
	} {
		if s := f.Sources[name]; s == nil || s.Error != class {
			t.Errorf("sources[%s] = %+v, want error %q", name, s, class)
		}
	}
	for _, name := range facts.Sections() {
		if f.Sources[name] == nil || f.Sources[name].Error == facts.ErrNotRun || f.Sources[name].Error == facts.ErrParse {
			t.Errorf("sources[%s] = %+v", name, f.Sources[name])
		}
	}
	if shell == "busybox" {
		return // busybox ash ran its own dmesg applet, not the stub
	}
	eq("kernel_log.source", f.KernelLog.Source, "dmesg")
	want := map[string]int{facts.SigSoftLockup: 1, facts.SigSlubAlloc: 3, facts.SigNoSockets: 2, facts.SigKmemUsage: 2, facts.SigMemcgOOM: 1}
	if len(f.KernelLog.Signatures) != len(want) {
		t.Errorf("kernel_log signatures %v, want %v", f.KernelLog.Signatures, want)
	}
	for id, n := range want {
		if s := f.KernelLog.Signatures[id]; s == nil || s.Count != n {
			t.Errorf("kernel_log[%s] = %+v, want count %d", id, s, n)
		}
	}
}

// TestBuildCut: output cut inside a section (host cap) leaves that fact
// unknown, marks it not collected, and every later section too.
func TestBuildCut(t *testing.T) {
	h := collectortest.RHEL7Node(t)
	raw := h.Run(t, collectortest.Shells(t)[0], nonce)
	i := strings.Index(string(raw), "@@KAUDIT:"+nonce+":BEGIN cmdline")
	cut := raw[:i+len("@@KAUDIT:"+nonce+":BEGIN cmdline /proc/cmdline\nBOOT_IMAGE=/vmlinuz")]
	f := parse.Build("node1", collector.Split(cut, nonce))
	if f.Boot.Nokmem != nil || f.Boot.Cmdline != "" {
		t.Errorf("cut cmdline parsed: %+v", f.Boot)
	}
	if s := f.Sources[facts.SectionCmdline]; s.Error != facts.ErrNotRun || s.Exit != -1 {
		t.Errorf("cmdline source %+v", s)
	}
	if s := f.Sources[facts.SectionKernelLog]; s.Error != facts.ErrNotRun {
		t.Errorf("kernel_log source %+v", s)
	}
	if !f.Collector.Truncated || f.Kernel.Release != "3.10.0-693.el7.x86_64" {
		t.Errorf("collector %+v kernel %+v", f.Collector, f.Kernel)
	}
	if f.Boot.Persisted == nil || f.Runtimes.Runc == nil {
		t.Error("persisted / runc must be empty lists, not null")
	}
}

// TestSignaturesMatchScript keeps collect.sh's awk signature list and grep
// pattern equal to SignatureRules. (TestAwkMatchesRules checks that the awk
// program counts exactly what the rules match.)
func TestSignaturesMatchScript(t *testing.T) {
	script := string(collector.Script())
	m := regexp.MustCompile(`n = split\("([a-z_0-9 ]+)", id, " "\)`).FindStringSubmatch(script)
	if m == nil {
		t.Fatal("no signature id list in KLOG_AWK")
	}
	var ids, alts []string
	for _, s := range parse.SignatureRules() {
		ids = append(ids, s.ID)
		alts = append(alts, s.Pattern)
		if _, err := regexp.Compile(s.Pattern); err != nil {
			t.Errorf("%s: %v", s.ID, err)
		}
	}
	if m[1] != strings.Join(ids, " ") {
		t.Errorf("awk ids %q, want %q", m[1], strings.Join(ids, " "))
	}
	if !strings.Contains(script, "KLOG_ERE='"+strings.Join(alts, "|")+"'") {
		t.Errorf("KLOG_ERE in collect.sh differs from %q", strings.Join(alts, "|"))
	}
}

// awkLines are kernel log lines that match a signature, that nearly match
// one, or that match several: the awk program must count each exactly as
// the Go regexes of SignatureRules do.
var awkLines = []string{
	"[12345.678] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)",
	"SLUB: Unable to allocate memory on nod",
	"[  600.1] BUG: soft lockup - CPU#3 stuck for 22s! [runc:[1:CHILD]:1234]",
	"BUG: soft lockup - CPU# stuck for 22s!",
	"BUG: soft lockup - CPU#12 is stuck for 22s!",
	"kworker/u8:1: page allocation failure: order:6, mode:0x104050",
	"page allocation failure: order:x",
	"kmem_cache_create(nf_conntrack_ffff8800b1c2) failed",
	"kmem_cache_create(nf_conntrack_zz) failed",
	"nf_conntrack: Unable to create nf_conn slab cache",
	"Memory cgroup out of memory: Kill process 1234 (java) score 1000 or sacrifice child",
	"Memory cgroup out of memory: Killed process 4242 (java)",
	"memory: usage 1048576kB, limit 1048576kB, failcnt 42",
	"kmem: usage 1048576kB, limit 9007199254740988kB, failcnt 0",
	"kmem: usage kB, limit 1kB, failcnt 0",
	"mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod1: no space left on device",
	"no space left on device: mkdir /sys/fs/cgroup/memory/kubepods",
	"oci runtime error: container_linux.go:247: starting container process caused \"process_linux.go:258: applying cgroup configuration for process caused \\\"mkdir /sys/fs/cgroup/memory/kubepods/pod1: cannot allocate memory\\\"\"",
	"oci runtime error: exit status 6",
	"setns process for init caused \"exit status 6\"",
	"write /sys/fs/cgroup/memory/kubepods/x/memory.limit_in_bytes: cannot allocate memory",
	"cannot allocate memory /sys/fs/cgroup/memory/",
	"socket: no more sockets",
	"IPv6: Failed to initialize the ICMP6 control socket (err -105).",
	"an ordinary line",
	"",
}

// TestAwkMatchesRules runs the collector's kernel-log awk program with every
// awk on this machine (mawk, gawk, busybox awk) over awkLines and the seeds'
// logs and compares its counts with SignatureRules' regexes.
func TestAwkMatchesRules(t *testing.T) {
	script := string(collector.Script())
	i := strings.Index(script, "KLOG_AWK='")
	j := strings.Index(script[i:], "\n}'\n")
	if i < 0 || j < 0 {
		t.Fatal("no KLOG_AWK in collect.sh")
	}
	prog := script[i+len("KLOG_AWK='") : i+j+2]
	input := strings.Join(awkLines, "\n") + "\n"
	for _, f := range []string{"seed000_dmesg.txt", "seed004_dmesg.txt", "seed002_messages.txt", "seed003_kubelet_enospc.txt"} {
		input += string(collectortest.Output(t, f))
	}
	want := map[string]int{}
	rules := parse.SignatureRules()
	for _, l := range strings.Split(strings.TrimSuffix(input, "\n"), "\n") {
		for _, r := range rules {
			if regexp.MustCompile(r.Pattern).MatchString(l) {
				want[r.ID]++
			}
		}
	}
	var awks [][]string
	for _, a := range [][]string{{"mawk"}, {"gawk"}, {"busybox", "awk"}, {"original-awk"}} {
		if _, err := exec.LookPath(a[0]); err == nil {
			awks = append(awks, a)
		}
	}
	if len(awks) == 0 {
		testenv.Require(t, "awk (mawk, gawk or busybox awk)", errors.New("no awk on this machine"))
	}
	for _, a := range awks {
		t.Run(strings.Join(a, " "), func(t *testing.T) {
			args := append(append([]string{}, a[1:]...), "-v", "mark=@@KAUDIT:n:RC ", prog)
			cmd := exec.Command(a[0], args...)
			cmd.Stdin = strings.NewReader(input + "\n@@KAUDIT:n:RC 0\n")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %v\n%s", a, err, out)
			}
			r, err := parse.ParseKernelLog(out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			got := map[string]int{}
			for id, s := range r.Signatures {
				got[id] = s.Count
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("awk counts %v\nwant (Go regexes) %v\noutput:\n%s", got, want, out)
			}
			if r.RC != 0 || r.Lines != strings.Count(input, "\n")+1 {
				t.Errorf("rc %d lines %d (input has %d)", r.RC, r.Lines, strings.Count(input, "\n")+1)
			}
		})
	}
}

// TestSignaturesOnSeeds counts signatures in the verbatim seed logs the way
// the collector's grep fallback does.
func TestSignaturesOnSeeds(t *testing.T) {
	tests := []struct {
		file string
		want map[string]int
	}{
		{"seed000_dmesg.txt", map[string]int{facts.SigSoftLockup: 1, facts.SigSlubAlloc: 1, facts.SigNoSockets: 2}},
		{"seed004_dmesg.txt", map[string]int{facts.SigSlubAlloc: 2, facts.SigKmemUsage: 2, facts.SigMemcgOOM: 1}},
		{"seed002_messages.txt", map[string]int{facts.SigOCIAlloc: 2, facts.SigPageAlloc: 1, facts.SigNfConntrack: 2}},
		{"seed003_kubelet_enospc.txt", map[string]int{facts.SigNoSpace: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := "rc 0\nmode grep\n" + string(collectortest.Output(t, tt.file))
			r, err := parse.ParseKernelLog([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for id, s := range r.Signatures {
				got[id] = s.Count
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for id, n := range tt.want {
				if got[id] != n {
					t.Errorf("%s: %d, want %d", id, got[id], n)
				}
			}
		})
	}
}

// TestBuildKernelLogCutInside: a kernel_log section whose output ends before
// its END (the node budget's watchdog or a lost connection ended the run)
// is a truncated scan saying so, whether or not its rc line arrived, and
// never a complete one.
func TestBuildKernelLogCutInside(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		sigs       int
	}{
		{"nothing", "", 0},
		{"rc only", "rc 0\nlines 3", 0},
		{"counts", "rc 0\nlines 3\nbytes 120\ncount slub_alloc_fail 2\nlatest slub_alloc_fail [ 1.0] SLUB: Unable to allocate memory on node -1", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw := "@@KAUDIT:" + nonce + ":BEGIN kernel_log dmesg\n" + tt.body
			f := parse.Build("node1", collector.Split([]byte(raw), nonce))
			sc := f.KernelLog.Scans
			if len(sc) != 1 || sc[0].Status != "truncated" || sc[0].Message != "the output ended inside this section" {
				t.Fatalf("scans %+v", sc)
			}
			if f.KernelLog.Complete != nil && *f.KernelLog.Complete {
				t.Error("a cut kernel log counts as complete")
			}
			if len(f.KernelLog.Signatures) != tt.sigs {
				t.Errorf("signatures %v, want %d", f.KernelLog.Signatures, tt.sigs)
			}
		})
	}
}
