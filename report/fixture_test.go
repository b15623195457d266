package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
)

// Fixtures: a hand-built fleet that exercises every status and every
// renderer path. Version strings, kernel log lines, /proc/cgroups and
// /proc/buddyinfo values are quoted verbatim from the incident seeds
// (the incident write-ups 000–004 of testdata/outputs).

// hostilePretty is edge-07's os-release PRETTY_NAME.
const hostilePretty = `<script>alert(1)</script>`

// hostileImg is a remote-controlled cgroup name quoted in a message.
const hostileImg = `<img src=x onerror=alert(2)>`

func ptr[T any](v T) *T { return &v }

// checkCatalogKmem is the kmem pack as the engine would list it.
func checkCatalogKmem() []policies.CheckInfo {
	c := func(id, sev, title string) policies.CheckInfo {
		return policies.CheckInfo{ID: id, Title: title, Severity: sev, Pack: "kmem"}
	}
	return []policies.CheckInfo{
		c("kmem.kernel", "low", "Running kernel carries the kmem accounting leak"),
		c("kmem.accounting", "high", "kmem accounting inactive in container cgroups"),
		c("kmem.nokmem_boot", "medium", "cgroup.memory=nokmem in effect"),
		c("kmem.boot_drift", "medium", "Running and persisted kernel arguments agree"),
		c("kmem.memcg_disabled", "medium", "Memory cgroup enabled on kubelet nodes"),
		c("kmem.runc", "high", "runc does not switch kmem accounting on"),
		c("kmem.kubelet", "high", "kubelet does not switch kmem accounting on"),
		c("kmem.memcg_headroom", "critical", "Memory cgroup IDs below the 65535 limit"),
		c("kmem.memcg_zombies", "high", "Few dying memory cgroups"),
		c("kmem.kernel_log", "critical", "No leak signatures in the kernel log"),
		c("kmem.slab_pressure", "medium", "Unreclaimable slab within bounds"),
		c("kmem.fragmentation", "medium", "High-order free pages available"),
		c("kmem.risk", "critical", "Node not at risk of the kmem leak"),
	}
}

// res builds a result of the kmem pack: status, message, evidence pairs.
func res(id, status, msg string, ev ...any) policies.Result {
	var info policies.CheckInfo
	for _, c := range checkCatalogKmem() {
		if c.ID == id {
			info = c
		}
	}
	if info.ID == "" {
		panic("unknown check " + id)
	}
	r := policies.Result{ID: id, Title: info.Title, Severity: info.Severity, Status: status, Message: msg, Pack: "kmem"}
	if len(ev) > 0 {
		r.Evidence = map[string]any{}
		for i := 0; i+1 < len(ev); i += 2 {
			r.Evidence[ev[i].(string)] = ev[i+1]
		}
	}
	return r
}

func withFix(r policies.Result, fix string) policies.Result {
	r.Remediation = fix
	return r
}

const (
	fixNokmem = "grubby --update-kernel=ALL --args=cgroup.memory=nokmem\n" +
		"reboot\n" +
		"# verify after the reboot: expect \"Input/output error\"\n" +
		"cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo"
	fixRunc    = "Upgrade runc to 1.0.0-rc94 or later (kmem limits ignored), or install a runc built with the nokmem tag:\nmake BUILDTAGS=\"seccomp selinux apparmor nokmem\" static"
	fixKubelet = "Upgrade the kubelet to 1.22 or later, or rebuild it with the nokmem tag, then restart it and reboot the node:\n./build/run.sh make kubelet GOFLAGS=\"-v -tags=nokmem\" KUBE_BUILD_PLATFORMS=linux/amd64"
	fixKernel  = "No kernel fixes the memcg ID leak on RHEL 7 (seed 003: still seen on 3.10.0-1062 and 3.10.0-1127); keep kmem accounting off with cgroup.memory=nokmem (see kmem.nokmem_boot)."
	fixStopgap = "Stop-gap until the node is rebooted with nokmem:\necho 1 > /proc/sys/vm/compact_memory\necho 2 > /proc/sys/vm/drop_caches"
)

// rhel7Facts is the facts of a CentOS 7 kubelet node.
func rhel7Facts(host, release, redhat, kernel, cmdline string) *facts.Facts {
	nokmem := strings.Contains(cmdline, "cgroup.memory=nokmem")
	return &facts.Facts{
		Schema:      facts.Schema,
		Host:        host,
		CollectedAt: "2026-03-02T10:15:06Z",
		Collector:   facts.Collector{Version: "1", Transport: "ssh", Shell: "/bin/sh", User: "kaudit", Sudo: true, Bytes: 48213, DurationMS: 1630},
		Sources:     map[string]*facts.Source{facts.SectionOSRelease: {Source: "/etc/os-release"}},
		Hostname:    host,
		OS:          facts.OS{ID: "centos", IDLike: "rhel fedora", VersionID: "7", PrettyName: "CentOS Linux 7 (Core)", RedhatRelease: redhat},
		Kernel: facts.Kernel{
			Release: kernel, Family: "rhel7", Upstream: "3.10.0",
			Version: "Linux version " + kernel + " (mockbuild@kbuilder.bsys.centos.org) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-28) (GCC) ) #1 SMP",
			Config:  map[string]string{"CONFIG_MEMCG": "y", "CONFIG_MEMCG_SWAP": "y", "CONFIG_MEMCG_SWAP_ENABLED": "y", "CONFIG_MEMCG_KMEM": "y"},
		},
		Boot: facts.Boot{
			Cmdline:       cmdline,
			Nokmem:        ptr(nokmem),
			MemcgDisabled: ptr(false),
			Persisted: []facts.BootConfig{{
				Kind: "default_grub", Source: "/etc/default/grub", Default: true,
				Args: "crashkernel=auto rd.lvm.lv=centos/root rhgb quiet" + map[bool]string{true: " cgroup.memory=nokmem"}[nokmem], Nokmem: nokmem,
			}},
		},
		Cgroup: facts.Cgroup{Mode: "v1", MemoryV1: ptr(true), MemoryMount: "/sys/fs/cgroup/memory"},
		Runtimes: facts.Runtimes{
			KubeletCgroupDriver: "cgroupfs", DockerCgroupDriver: "cgroupfs",
		},
		KernelLog: facts.KernelLog{Source: "dmesg"},
	}
}

// sampleReport is the fleet of the golden files: six hosts, every host
// status, every result status, a waiver and hostile remote strings.
func sampleReport() *Report {
	r := &Report{
		Schema:       Schema,
		ToolVersion:  "0.4.0",
		StartedAt:    "2026-03-02T10:15:04Z",
		FinishedAt:   "2026-03-02T10:15:46Z",
		Inventory:    "inventories/prod.hcl",
		PolicyDigest: "sha256:9f2c4e1ab3d07c55e8a1f0b6d2c94e37a5b80f11c6d2e9a4b7f03c8d5e6a1b29",
		FailOn:       "high",
		Checks:       checkCatalogKmem(),
	}

	// k8s-node-000: seed 000's node — CentOS 7.5, 3.10.0-862, docker
	// 18.06.1-ce, kubelet v1.12.3, soft lockups and SLUB failures.
	f0 := rhel7Facts("k8s-node-000", "7.5.1804", "CentOS Linux release 7.5.1804 (Core)", "3.10.0-862.el7.x86_64",
		"BOOT_IMAGE=/vmlinuz-3.10.0-862.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root rhgb quiet")
	f0.Runtimes.Docker = &facts.Binary{Name: "docker", Path: "/usr/bin/docker", Version: "18.06.1-ce", Commit: "e68fc7a", Raw: "Docker version 18.06.1-ce, build e68fc7a"}
	f0.Runtimes.Runc = []facts.Binary{{Name: "docker-runc", Path: "/usr/bin/docker-runc", Version: "1.0.0-rc5+dev", Commit: "69663f0bd4b60df09991c08812a60108003fa340", Spec: "1.0.0", Flavor: "upstream"}}
	f0.Runtimes.Kubelet = &facts.Binary{Name: "kubelet", Path: "/usr/bin/kubelet", Version: "v1.12.3", Raw: "Kubernetes v1.12.3"}
	f0.Kmem = facts.Kmem{
		Kubepods:        &facts.KmemCgroup{Path: "/sys/fs/cgroup/memory/kubepods", State: "active", Kind: "kubepods"},
		ContainersFound: 38, ContainersSampled: 16, ContainersActive: 14, ContainersInactive: 2,
	}
	f0.Cgroup.MemoryNumCgroups, f0.Cgroup.MemoryLiveDirs = ptr(4127), ptr(3982)
	f0.KernelLog.Signatures = map[string]*facts.Signature{
		facts.SigSlubAlloc:  {Count: 37, Latest: "SLUB: Unable to allocate memory on node -1 (gfp=0xd0)"},
		facts.SigSoftLockup: {Count: 12, Latest: "NMI watchdog: BUG: soft lockup - CPU#xx stuck for 22s!"},
		facts.SigNoSockets:  {Count: 1, Latest: "socket: no more sockets"},
	}
	h0 := Host{
		Name: "k8s-node-000", Address: "10.20.0.10", Groups: []string{"k8s-prod"},
		Labels: map[string]string{"env": "prod", "role": "worker", "dc": "sh1"}, DurationMS: 1842, Facts: f0,
		Results: []policies.Result{
			withFix(res("kmem.kernel", "fail", "kernel 3.10.0-862.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak",
				"kernel.release", "3.10.0-862.el7.x86_64", "kernel.family", "rhel7"), fixKernel),
			withFix(res("kmem.accounting", "fail", "kmem accounting active: kubepods and 14 of 16 sampled container cgroups have a readable memory.kmem.slabinfo (2 inactive)",
				"kmem.kubepods.state", "active", "kmem.containers_active", 14, "kmem.containers_inactive", 2, "kmem.containers_sampled", 16), fixNokmem),
			withFix(res("kmem.nokmem_boot", "fail", "cgroup.memory=nokmem is missing from the running command line and no runtime mitigation covers the node",
				"boot.nokmem", false, "boot.cmdline", f0.Boot.Cmdline), fixNokmem),
			res("kmem.boot_drift", "pass", "running and persisted kernel arguments agree: neither sets cgroup.memory=nokmem or cgroup_disable=memory",
				"boot.persisted[0].source", "/etc/default/grub", "boot.persisted[0].nokmem", false),
			res("kmem.memcg_disabled", "pass", "memory cgroup enabled (no cgroup_disable=memory)", "boot.memcg_disabled", false),
			withFix(res("kmem.runc", "fail", "docker-runc 1.0.0-rc5+dev is in [1.0.0-rc3, 1.0.0-rc94) and enables kmem on every memory-limited cgroup; nokmem is not in effect",
				"runtimes.runc[0].version", "1.0.0-rc5+dev", "runtimes.runc[0].commit", "69663f0bd4b60df09991c08812a60108003fa340"), fixRunc),
			withFix(res("kmem.kubelet", "fail", "kubelet v1.12.3 is in [1.8, 1.22) with the cgroupfs driver and kubepods/memory.kmem.slabinfo is readable",
				"runtimes.kubelet.version", "v1.12.3", "runtimes.kubelet_cgroup_driver", "cgroupfs", "kmem.kubepods.state", "active"), fixKubelet),
			res("kmem.memcg_headroom", "pass", "memory num_cgroups 4127 of 65535 (6%); on RHEL 3.10 this count under-reports held IDs",
				"cgroup.memory_num_cgroups", 4127, "limit", 65535),
			res("kmem.memcg_zombies", "pass", "4127 memory cgroups, 3982 live directories: 145 dying (threshold 1000)",
				"cgroup.memory_num_cgroups", 4127, "cgroup.memory_live_dirs", 3982),
			withFix(res("kmem.kernel_log", "fail", "3 leak signatures in dmesg: slub_alloc_fail ×37, soft_lockup ×12, no_more_sockets ×1; latest: SLUB: Unable to allocate memory on node -1 (gfp=0xd0)",
				"kernel_log.source", "dmesg", "kernel_log.signatures.slub_alloc_fail.count", 37, "kernel_log.signatures.soft_lockup.count", 12,
				"kernel_log.signatures.soft_lockup.latest", "NMI watchdog: BUG: soft lockup - CPU#xx stuck for 22s!"), fixNokmem+"\n\n"+fixStopgap),
			res("kmem.slab_pressure", "pass", "SUnreclaim 1.1 GiB is 7% of MemTotal 15.5 GiB (threshold 30%)", "memory.meminfo.SUnreclaim", 1154192, "memory.meminfo.MemTotal", 16249356),
			res("kmem.fragmentation", "pass", "Normal has 285 free blocks of order 6 and above", "memory.buddyinfo.Normal", "108 1708 952 1064 957 690 285 145 12 1 0"),
			withFix(res("kmem.risk", "fail", "kernel 3.10.0-862.el7.x86_64 is affected, kmem accounting is on (kubepods and 14 containers) and cgroup.memory=nokmem is not in effect — fix: boot with cgroup.memory=nokmem",
				"kernel.family", "rhel7", "kmem.kubepods.state", "active", "boot.nokmem", false), fixNokmem),
		},
	}

	// k8s-node-001: mitigated the way seeds 001/004 advise — nokmem on the
	// cmdline, kubepods gives EIO; runc 1.0.0-rc10 as in seed 003.
	f1 := rhel7Facts("k8s-node-001", "7.8.2003", "CentOS Linux release 7.8.2003 (Core)", "3.10.0-1127.el7.x86_64",
		"BOOT_IMAGE=/vmlinuz-3.10.0-1127.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root rhgb quiet cgroup.memory=nokmem")
	f1.Runtimes.Runc = []facts.Binary{{Name: "runc", Path: "/usr/bin/runc", Version: "1.0.0-rc10", Commit: "dc9208a3303feef5b3839f4323d9beb36df0a9dd", Spec: "1.0.1-dev", Flavor: "upstream",
		Raw: "runc version 1.0.0-rc10\ncommit: dc9208a3303feef5b3839f4323d9beb36df0a9dd\nspec: 1.0.1-dev"}}
	f1.Runtimes.Docker = &facts.Binary{Name: "docker", Version: "19.03.14"}
	f1.Runtimes.Kubelet = &facts.Binary{Name: "kubelet", Version: "v1.15.5", Raw: "Kubernetes v1.15.5"}
	f1.Kmem = facts.Kmem{
		Kubepods:        &facts.KmemCgroup{Path: "/sys/fs/cgroup/memory/kubepods", State: "inactive", Error: "Input/output error", Kind: "kubepods"},
		ContainersFound: 12, ContainersSampled: 12, ContainersInactive: 12,
	}
	f1.Cgroup.MemoryNumCgroups, f1.Cgroup.MemoryLiveDirs = ptr(87), ptr(85)
	h1 := Host{
		Name: "k8s-node-001", Address: "10.20.0.11", Groups: []string{"k8s-prod"},
		Labels: map[string]string{"env": "prod", "role": "worker", "dc": "sh1"}, DurationMS: 1577, Facts: f1,
		Results: []policies.Result{
			withFix(res("kmem.kernel", "fail", "kernel 3.10.0-1127.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak",
				"kernel.release", "3.10.0-1127.el7.x86_64"), fixKernel),
			res("kmem.accounting", "pass", "kmem accounting inactive: kubepods and all 12 sampled container cgroups give Input/output error",
				"kmem.kubepods.state", "inactive", "kmem.containers_inactive", 12),
			res("kmem.nokmem_boot", "pass", "cgroup.memory=nokmem is on the running command line and kubepods/memory.kmem.slabinfo gives EIO",
				"boot.nokmem", true, "kmem.kubepods.error", "Input/output error"),
			res("kmem.boot_drift", "pass", "cgroup.memory=nokmem is both running and persisted in /etc/default/grub", "boot.persisted[0].nokmem", true),
			res("kmem.memcg_disabled", "pass", "memory cgroup enabled (no cgroup_disable=memory)"),
			res("kmem.runc", "pass", "runc 1.0.0-rc10 would enable kmem, but cgroup.memory=nokmem is in effect (kubepods gives EIO)",
				"runtimes.runc[0].version", "1.0.0-rc10", "boot.nokmem", true),
			res("kmem.kubelet", "pass", "kubelet v1.15.5 would enable kmem, but cgroup.memory=nokmem is in effect", "runtimes.kubelet.version", "v1.15.5"),
			res("kmem.memcg_headroom", "pass", "memory num_cgroups 87 of 65535 (0%); on RHEL 3.10 this count under-reports held IDs", "cgroup.memory_num_cgroups", 87),
			res("kmem.memcg_zombies", "pass", "87 memory cgroups, 85 live directories: 2 dying (threshold 1000)"),
			res("kmem.kernel_log", "pass", "no leak signatures in dmesg"),
			res("kmem.slab_pressure", "pass", "SUnreclaim 412 MiB is 3% of MemTotal 15.5 GiB (threshold 30%)"),
			res("kmem.fragmentation", "pass", "Normal has 443 free blocks of order 6 and above"),
			res("kmem.risk", "pass", "mitigated: cgroup.memory=nokmem is in effect on 3.10.0-1127.el7.x86_64 and kmem accounting is inactive",
				"boot.nokmem", true, "kmem.kubepods.state", "inactive"),
		},
	}

	// k8s-node-002: the host key changed.
	h2 := Host{
		Name: "k8s-node-002", Address: "10.20.0.12", Groups: []string{"k8s-prod"},
		Labels: map[string]string{"env": "prod", "role": "worker", "dc": "sh2"}, Status: HostUnreachable, Reason: "hostkey",
		Error:      "ssh: handshake failed: knownhosts: key mismatch for 10.20.0.12:22 (/root/.ssh/known_hosts:14); the host key changed: verify it out of band, then update known_hosts",
		DurationMS: 211,
	}

	// k8s-node-003: the broken node — /proc/cgroups at the limit (seed
	// 003), buddyinfo of seed 002's broken node, ENOSPC from seed 004.
	f3 := rhel7Facts("k8s-node-003", "7.6.1810", "CentOS Linux release 7.6.1810 (Core)", "3.10.0-957.el7.x86_64",
		"BOOT_IMAGE=/vmlinuz-3.10.0-957.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet")
	f3.Runtimes.Runc = []facts.Binary{{Name: "runc", Version: "1.0.0-rc10", Commit: "dc9208a3303feef5b3839f4323d9beb36df0a9dd", Spec: "1.0.1-dev", Flavor: "upstream"}}
	f3.Runtimes.Docker = &facts.Binary{Name: "docker", Version: "19.03.14"}
	f3.Runtimes.Kubelet = &facts.Binary{Name: "kubelet", Version: "v1.15.5"}
	f3.Cgroup.Controllers = []facts.CgroupController{{Name: "memory", Hierarchy: 8, NumCgroups: 65513, Enabled: true}}
	f3.Cgroup.MemoryNumCgroups, f3.Cgroup.MemoryLiveDirs = ptr(65513), ptr(214)
	f3.Kmem = facts.Kmem{Kubepods: &facts.KmemCgroup{Path: "/sys/fs/cgroup/memory/kubepods", State: "active", Kind: "kubepods"}, ContainersFound: 61, ContainersSampled: 16, ContainersActive: 16}
	f3.Memory.Buddyinfo = []facts.BuddyZone{
		{Node: 0, Zone: "DMA", Free: []int64{1, 0, 0, 1, 2, 1, 1, 0, 1, 1, 3}},
		{Node: 0, Zone: "DMA32", Free: []int64{8409, 8079, 1340, 74, 6, 0, 0, 0, 0, 0, 0}},
		{Node: 0, Zone: "Normal", Free: []int64{40153, 12774, 302, 17, 0, 0, 0, 0, 0, 0, 0}},
	}
	f3.KernelLog.Signatures = map[string]*facts.Signature{
		facts.SigNoSpace:     {Count: 214, Latest: "mkdir /sys/fs/cgroup/memory/kubepods/burstable/podfxxxxx/xxxxxxx: no space left on device"},
		facts.SigPageAlloc:   {Count: 9, Latest: "Nov 12 15:15:41 kernel: exe: page allocation failure: order:6, mode:0x10c0d0"},
		facts.SigNfConntrack: {Count: 3, Latest: "Nov 12 15:15:41 kernel: kmem_cache_create(nf_conntrack_ffff8803eef66180) failed with error -12"},
	}
	h3 := Host{
		Name: "k8s-node-003", Address: "10.20.1.13", Groups: []string{"k8s-batch"},
		Labels: map[string]string{"env": "prod", "role": "batch", "dc": "sh2"}, DurationMS: 2630, Facts: f3,
		Results: []policies.Result{
			withFix(res("kmem.kernel", "fail", "kernel 3.10.0-957.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak"), fixKernel),
			withFix(res("kmem.accounting", "fail", "kmem accounting active: kubepods and 16 of 16 sampled container cgroups have a readable memory.kmem.slabinfo",
				"kmem.kubepods.state", "active", "kmem.containers_active", 16), fixNokmem),
			withFix(res("kmem.nokmem_boot", "fail", "cgroup.memory=nokmem is missing from the running command line and no runtime mitigation covers the node", "boot.nokmem", false), fixNokmem),
			res("kmem.boot_drift", "pass", "running and persisted kernel arguments agree: neither sets cgroup.memory=nokmem or cgroup_disable=memory"),
			res("kmem.memcg_disabled", "pass", "memory cgroup enabled (no cgroup_disable=memory)"),
			withFix(res("kmem.runc", "fail", "runc 1.0.0-rc10 is in [1.0.0-rc3, 1.0.0-rc94) and enables kmem on every memory-limited cgroup; nokmem is not in effect",
				"runtimes.runc[0].version", "1.0.0-rc10"), fixRunc),
			withFix(res("kmem.kubelet", "fail", "kubelet v1.15.5 is in [1.8, 1.22) with the cgroupfs driver and kubepods/memory.kmem.slabinfo is readable",
				"runtimes.kubelet.version", "v1.15.5"), fixKubelet),
			withFix(res("kmem.memcg_headroom", "fail", "memory num_cgroups 65513 of 65535 (99.97%, warn at 90%): new memory cgroups fail with ENOSPC",
				"cgroup.controllers.memory", "memory 8 65513 1", "cgroup.memory_num_cgroups", 65513, "limit", 65535), fixNokmem),
			withFix(res("kmem.memcg_zombies", "fail", "65513 memory cgroups, 214 live directories: 65299 dying (threshold 1000)",
				"cgroup.memory_num_cgroups", 65513, "cgroup.memory_live_dirs", 214), fixNokmem),
			withFix(res("kmem.kernel_log", "fail", "3 leak signatures in dmesg: cgroup_enospc ×214, page_alloc_fail ×9, nf_conntrack_cache ×3; latest: mkdir /sys/fs/cgroup/memory/kubepods/burstable/podfxxxxx/xxxxxxx: no space left on device",
				"kernel_log.source", "dmesg", "kernel_log.signatures.cgroup_enospc.count", 214), fixNokmem+"\n\n"+fixStopgap),
			withFix(res("kmem.slab_pressure", "fail", "SUnreclaim 11.0 GiB is 71% of MemTotal 15.5 GiB (threshold 30%)",
				"memory.meminfo.SUnreclaim", 11534336, "memory.meminfo.MemTotal", 16249356), fixStopgap),
			withFix(res("kmem.fragmentation", "fail", "no free block of order ≥ 6 in Normal (largest order 3) or DMA32 (largest order 4)",
				"memory.buddyinfo.Normal", "Node 0, zone   Normal  40153  12774    302     17      0      0      0      0      0      0      0",
				"memory.buddyinfo.DMA32", "Node 0, zone    DMA32   8409   8079   1340     74      6      0      0      0      0      0      0"), fixStopgap),
			withFix(res("kmem.risk", "fail", "kernel 3.10.0-957.el7.x86_64 is affected, kmem accounting is on (kubepods and 16 containers) and cgroup.memory=nokmem is not in effect — fix: boot with cgroup.memory=nokmem",
				"kernel.family", "rhel7", "kmem.kubepods.state", "active"), fixNokmem),
		},
	}

	// build-01: cgroup v2 only; the kmem checks do not apply.
	f4 := &facts.Facts{
		Schema: facts.Schema, Host: "build-01", Hostname: "build-01",
		Sources:   map[string]*facts.Source{facts.SectionCgroupV2: {Source: "/sys/fs/cgroup/cgroup.controllers"}},
		Boot:      facts.Boot{Cmdline: "BOOT_IMAGE=/boot/vmlinuz-5.15.0-91-generic root=UUID=4f3c2a1e ro quiet splash", Nokmem: ptr(false), MemcgDisabled: ptr(false), Persisted: []facts.BootConfig{}},
		Collector: facts.Collector{Version: "1", Transport: "ssh", User: "kaudit", Sudo: true},
		OS:        facts.OS{ID: "ubuntu", IDLike: "debian", VersionID: "22.04", PrettyName: "Ubuntu 22.04.4 LTS"},
		Kernel:    facts.Kernel{Release: "5.15.0-91-generic", VersionSignature: "Ubuntu 5.15.0-91.101-generic 5.15.131", Family: "ubuntu", Upstream: "5.15.131"},
		Cgroup:    facts.Cgroup{Mode: "v2", MemoryV1: ptr(false), V2Controllers: []string{"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"}},
		Runtimes: facts.Runtimes{
			Runc:       []facts.Binary{{Name: "runc", Version: "1.1.12", Flavor: "upstream"}},
			Containerd: &facts.Binary{Name: "containerd", Version: "1.7.12"},
		},
		KernelLog: facts.KernelLog{Source: "journalctl"},
	}
	na := "no cgroup v1 memory hierarchy (cgroup v2 only)"
	h4 := Host{
		Name: "build-01", Address: "10.40.0.5", Groups: []string{"ci"},
		Labels: map[string]string{"env": "ci", "role": "builder"}, DurationMS: 934, Facts: f4,
		Results: []policies.Result{
			res("kmem.kernel", "not_applicable", na, "cgroup.mode", "v2"),
			res("kmem.accounting", "not_applicable", na),
			res("kmem.nokmem_boot", "not_applicable", "kernel 5.15.131 is not affected"),
			res("kmem.boot_drift", "pass", "running and persisted kernel arguments agree"),
			res("kmem.memcg_disabled", "not_applicable", "no kubelet on this host"),
			res("kmem.runc", "pass", "runc 1.1.12 ignores kmem limits (≥ 1.0.0-rc94)", "runtimes.runc[0].version", "1.1.12"),
			res("kmem.kubelet", "not_applicable", "no kubelet on this host"),
			res("kmem.memcg_headroom", "not_applicable", na),
			res("kmem.memcg_zombies", "not_applicable", na),
			res("kmem.kernel_log", "pass", "no leak signatures in journalctl -k"),
			res("kmem.slab_pressure", "pass", "SUnreclaim 301 MiB is 2% of MemTotal 15.6 GiB (threshold 30%)"),
			res("kmem.fragmentation", "pass", "Normal has 1211 free blocks of order 6 and above"),
			res("kmem.risk", "pass", "not at risk: cgroup v2 only", "cgroup.mode", "v2"),
		},
	}

	// edge-07: a hostile host. Its os-release, cgroup names and error texts
	// carry markup, terminal escapes and bytes XML forbids.
	f5 := &facts.Facts{
		Schema: facts.Schema, Host: "edge-07", Hostname: "edge-07\x1b[2J",
		Boot:      facts.Boot{Persisted: []facts.BootConfig{}},
		Collector: facts.Collector{Version: "1", Transport: "ssh", User: "kaudit"},
		OS:        facts.OS{ID: "ubuntu", VersionID: "16.04", PrettyName: hostilePretty},
		Kernel:    facts.Kernel{Release: "4.4.0-21-generic", VersionSignature: "Ubuntu 4.4.0-21.37-generic 4.4.6", Family: "ubuntu", Upstream: "4.4.6"},
		Cgroup:    facts.Cgroup{Mode: "v1", MemoryV1: ptr(true)},
		Runtimes: facts.Runtimes{
			Runc: []facts.Binary{{Name: "runc", Version: "1.0.0-rc10", Flavor: "upstream", Raw: "runc version 1.0.0-rc10\x1b]0;owned\x07"}},
		},
		Sources: map[string]*facts.Source{
			facts.SectionKernelLog: {Source: "dmesg", Exit: 1, Error: facts.ErrPermission, Message: "dmesg: read kernel buffer failed: Operation not permitted\x1b]0;owned\x07\x1b[2J\x00"},
		},
	}
	h5 := Host{
		Name: "edge-07", Address: "192.0.2.7", Groups: []string{"edge"},
		Labels: map[string]string{"env": "edge", "site": "lab-3"}, DurationMS: 4211, Facts: f5,
		Results: []policies.Result{
			withFix(res("kmem.kernel", "fail", "kernel 4.4.0-21-generic (Ubuntu, upstream 4.4.6) predates the memcg ID fix (4.4.18)",
				"kernel.version_signature", "Ubuntu 4.4.0-21.37-generic 4.4.6"), "Upgrade to a kernel with upstream ≥ 4.4.18 (linux-image-generic from xenial-updates)."),
			withFix(res("kmem.accounting", "unknown", "no readable evidence: memory.kmem.slabinfo unreadable in /sys/fs/cgroup/memory/kubepods/"+hostileImg+": Permission denied\x1b[8m (collector ran without sudo)\x07",
				"kmem.containers_error", 3, "kmem.containers[0].path", "/sys/fs/cgroup/memory/kubepods/"+hostileImg, "kmem.containers[0].error", "Permission denied\x1b[8m\x00"),
				"Run the collector with sudo (host setting sudo = true) so memory.kmem.slabinfo can be read."),
			res("kmem.nokmem_boot", "fail", "cgroup.memory=nokmem is missing from the running command line; runtime mitigations cannot be verified", "boot.nokmem", false),
			res("kmem.boot_drift", "pass", "running and persisted kernel arguments agree"),
			res("kmem.memcg_disabled", "not_applicable", "no kubelet on this host"),
			func() policies.Result {
				r := res("kmem.runc", "waived", "runc 1.0.0-rc10\x1b]0;owned\x07 is in [1.0.0-rc3, 1.0.0-rc94) and enables kmem on every memory-limited cgroup",
					"runtimes.runc[0].raw", "runc version 1.0.0-rc10\x1b]0;owned\x07")
				r.Waiver = &policies.WaiverRef{Reason: "edge nodes run no memory-limited containers until the Q3 rebuild", Owner: "platform-team", Ticket: "OPS-2211", Expires: "2026-09-30", OriginalStatus: "fail"}
				return r
			}(),
			res("kmem.kubelet", "not_applicable", "no kubelet on this host"),
			res("kmem.memcg_headroom", "pass", "memory num_cgroups 311 of 65535 (0%)", "cgroup.memory_num_cgroups", 311),
			res("kmem.memcg_zombies", "pass", "311 memory cgroups, 305 live directories: 6 dying (threshold 1000)"),
			withFix(res("kmem.kernel_log", "unknown", "kernel log unreadable: dmesg: read kernel buffer failed: Operation not permitted\x1b]0;owned\x07\x1b[2J\x1b[31m\x00 (journalctl -k: no entries)",
				"sources.kernel_log.error", "permission", "sources.kernel_log.message", "dmesg: read kernel buffer failed: Operation not permitted\x1b]0;owned\x07\x1b[2J\x00"),
				"Allow the audit user to read the kernel log (sudo = true, or sysctl kernel.dmesg_restrict=0)."),
			res("kmem.slab_pressure", "pass", "SUnreclaim 96 MiB is 2% of MemTotal 3.8 GiB (threshold 30%)"),
			res("kmem.fragmentation", "error", "policy error: eval_conflict_error: functions must not produce multiple outputs for same inputs"),
			withFix(res("kmem.risk", "unknown", "cannot judge: kernel 4.4.0-21-generic is affected and kmem accounting evidence is unreadable",
				"kernel.upstream", "4.4.6"), "Make the kmem evidence readable (see kmem.accounting), then run kaudit again."),
		},
	}

	r.Hosts = []Host{h0, h1, h2, h3, h4, h5}
	return r
}

// sampleBaselineJSON is an earlier run of the same fleet, as --baseline reads
// it: node-001 was failing before its nokmem reboot, node-000 had no kernel
// log signatures yet, old-node-9 has since left the inventory.
const sampleBaselineJSON = `{
  "schema": "kaudit.report/v1",
  "tool_version": "0.3.2",
  "started_at": "2026-02-23T10:15:01Z",
  "finished_at": "2026-02-23T10:15:40Z",
  "inventory": "inventories/prod.hcl",
  "policy_digest": "sha256:9f2c4e1ab3d07c55e8a1f0b6d2c94e37a5b80f11c6d2e9a4b7f03c8d5e6a1b29",
  "fail_on": "high",
  "interrupted": false,
  "summary": {"hosts": {}, "results": {}, "failing": {}},
  "hosts": [
    {"name": "k8s-node-000", "address": "10.20.0.10", "groups": ["k8s-prod"], "labels": {}, "status": "noncompliant", "duration_ms": 1900,
     "results": [
       {"id": "kmem.kernel", "title": "", "severity": "low", "status": "fail", "message": ""},
       {"id": "kmem.accounting", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.nokmem_boot", "title": "", "severity": "medium", "status": "fail", "message": ""},
       {"id": "kmem.runc", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.kubelet", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.kernel_log", "title": "", "severity": "critical", "status": "pass", "message": ""},
       {"id": "kmem.risk", "title": "", "severity": "critical", "status": "fail", "message": ""}
     ]},
    {"name": "k8s-node-001", "address": "10.20.0.11", "groups": ["k8s-prod"], "labels": {}, "status": "noncompliant", "duration_ms": 1500,
     "results": [
       {"id": "kmem.kernel", "title": "", "severity": "low", "status": "fail", "message": ""},
       {"id": "kmem.accounting", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.nokmem_boot", "title": "", "severity": "medium", "status": "fail", "message": ""},
       {"id": "kmem.runc", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.risk", "title": "", "severity": "critical", "status": "fail", "message": ""}
     ]},
    {"name": "k8s-node-002", "address": "10.20.0.12", "groups": ["k8s-prod"], "labels": {}, "status": "noncompliant", "duration_ms": 1700,
     "results": [
       {"id": "kmem.risk", "title": "Node not at risk of the kmem leak", "severity": "critical", "status": "fail", "message": ""}
     ]},
    {"name": "k8s-node-003", "address": "10.20.1.13", "groups": ["k8s-batch"], "labels": {}, "status": "noncompliant", "duration_ms": 2500,
     "results": [
       {"id": "kmem.kernel", "title": "", "severity": "low", "status": "fail", "message": ""},
       {"id": "kmem.accounting", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.nokmem_boot", "title": "", "severity": "medium", "status": "fail", "message": ""},
       {"id": "kmem.runc", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.kubelet", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.memcg_headroom", "title": "", "severity": "critical", "status": "pass", "message": ""},
       {"id": "kmem.memcg_zombies", "title": "", "severity": "high", "status": "fail", "message": ""},
       {"id": "kmem.kernel_log", "title": "", "severity": "critical", "status": "fail", "message": ""},
       {"id": "kmem.slab_pressure", "title": "", "severity": "medium", "status": "fail", "message": ""},
       {"id": "kmem.fragmentation", "title": "", "severity": "medium", "status": "fail", "message": ""},
       {"id": "kmem.risk", "title": "", "severity": "critical", "status": "fail", "message": ""}
     ]},
    {"name": "old-node-9", "address": "10.20.0.99", "groups": ["k8s-prod"], "labels": {}, "status": "noncompliant", "duration_ms": 1600,
     "results": [
       {"id": "kmem.risk", "title": "Node not at risk of the kmem leak", "severity": "critical", "status": "fail", "message": ""}
     ]}
  ]
}`

// Notes kaudit gate attaches to projected results (gate.planned,
// gate.predicted), worded as gate/ words them for the nokmem plan on the
// test fleet (examples/plans/nokmem.hcl).
const (
	noteKubepodsNokmem = "inactive (was active): cgroup.memory=nokmem is in effect on kernel 3.10.0-1160.el7.x86_64 (reported working from 3.10.0-1062.el7, low confidence: verify after the rollout)"
	noteMemoryReset    = "slab, buddyinfo and extfrag reset by the reboot: unknown until audited again"
	noteCmdlineNokmem  = "+cgroup.memory=nokmem after the reboot (the next boot takes cgroup.memory=nokmem: true, cgroup_disable=memory: false from grubby --info=DEFAULT)"
)

// after is what the plan makes of one check on one host.
type after struct {
	status, msg        string
	planned, predicted map[string]string
	waiver             *policies.WaiverRef
}

// slabWaiver covers the medium checks the rollout's reboot resets to
// unknown until the nodes are audited again.
var slabWaiver = policies.WaiverRef{Reason: "slab and buddyinfo are re-audited after the rollout", Owner: "platform-team", Ticket: "OPS-2301", Expires: "2026-04-30", OriginalStatus: "unknown"}

// sampleGateReport is sampleReport as kaudit gate would finish it with
// plans/nokmem-rollout.hcl: the k8s nodes boot 3.10.0-1160.el7 with
// cgroup.memory=nokmem and get runc 1.0.0-rc95, edge-07 boots a newer
// Ubuntu kernel; build-01 is not targeted. node-000 and node-003 are
// cleared, edge-07 stays unknown and blocks (group edge, max_no_go 0),
// node-002 is unreachable within max_unreachable. A waiver covers
// node-000's slab check, unknown after the reboot.
func sampleGateReport() *Report {
	r := sampleReport()
	r.Plan = &Plan{
		File:    "plans/nokmem-rollout.hcl",
		Verdict: GateNoGo,
		Reasons: []string{
			"group edge: 1 of 1 hosts no-go (max_no_go 0): edge-07 (kmem.kernel_log, kmem.risk, kmem.accounting)",
			"1 of 5 targeted hosts unreachable, within max_unreachable 25% of 5 = 1: k8s-node-002 (hostkey)",
		},
		Failing: 1,
	}
	nokmem := func(msg string) after {
		return after{status: "pass", msg: msg, planned: map[string]string{"boot.cmdline": noteCmdlineNokmem}, predicted: map[string]string{"kmem.kubepods.state": noteKubepodsNokmem}}
	}
	rhel := map[string]after{
		"kmem.accounting":  nokmem("kmem accounting inactive: kubepods and the sampled container cgroups read EIO after the reboot"),
		"kmem.nokmem_boot": nokmem("cgroup.memory=nokmem is on the running cmdline and the sampled cgroups read EIO (kmem accounting off)"),
		"kmem.runc": {status: "pass", msg: "runc 1.0.0-rc95 (/usr/bin/runc) does not enable kmem accounting (>= 1.0.0-rc94 or < 1.0.0-rc3); neutralised: cgroup.memory=nokmem is in effect",
			planned: map[string]string{"runtimes.runc": "runc 1.0.0-rc10 → 1.0.0-rc95"}},
		"kmem.kubelet":    nokmem("kubelet v1.15.5 neutralised: cgroup.memory=nokmem is in effect"),
		"kmem.kernel_log": {status: "pass", msg: "dmesg: no kmem leak signature", predicted: map[string]string{"kernel_log.signatures": "none: a reboot starts a new kernel log (dmesg); 3 signature(s) now"}},
		"kmem.slab_pressure": {status: "unknown", msg: "SUnreclaim or MemTotal missing from /proc/meminfo (meminfo: not_collected (reset by the reboot the plan implies: not predictable, audit again after the rollout))",
			predicted: map[string]string{"memory": noteMemoryReset}},
		"kmem.fragmentation": {status: "unknown", msg: "no Normal or DMA32 zone in /proc/buddyinfo (buddyinfo: not_collected (reset by the reboot the plan implies: not predictable, audit again after the rollout))",
			predicted: map[string]string{"memory": noteMemoryReset}},
		"kmem.risk": nokmem("kernel 3.10.0-1160.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak, but mitigated: cgroup.memory=nokmem is in effect (the sampled cgroups read EIO)"),
	}
	// kmem.kernel fails after the plan too: every RHEL 7 kernel leaks.
	kernel := func(from string) after {
		return after{status: "fail", msg: "kernel 3.10.0-1160.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak",
			planned: map[string]string{"kernel.release": from + " → 3.10.0-1160.el7.x86_64"}, predicted: map[string]string{"kernel.upstream": "3.10.0 (family rhel7)"}}
	}
	// A reboot frees the dead memcg IDs: the live cgroups come back.
	memcgs := func(m map[string]after, was, live int) {
		note := map[string]string{"cgroup.memory_num_cgroups": fmt.Sprintf("%d (was %d): a reboot frees every dead memcg ID and the %d live memory cgroups come back", live, was, live)}
		m["kmem.memcg_headroom"] = after{status: "pass", msg: fmt.Sprintf("memory num_cgroups %d is %.1f%% of the 65535 memcg ID cap", live, float64(live)*100/65535), predicted: note}
		m["kmem.memcg_zombies"] = after{status: "pass", msg: fmt.Sprintf("0 dying memcgs: num_cgroups %d against %d live memory cgroup directories (fail above 5000)", live, live), predicted: note}
	}
	node003 := maps.Clone(rhel)
	node003["kmem.kernel"] = kernel("3.10.0-957.el7.x86_64")
	memcgs(node003, 65513, 214)
	node000 := maps.Clone(rhel)
	node000["kmem.kernel"] = kernel("3.10.0-862.el7.x86_64")
	memcgs(node000, 4127, 3982)
	slab := node000["kmem.slab_pressure"]
	slab.status, slab.waiver = "waived", &slabWaiver
	node000["kmem.slab_pressure"] = slab
	node000["kmem.runc"] = after{status: "pass", msg: "docker-runc 1.0.0-rc95 (/usr/bin/docker-runc) does not enable kmem accounting (>= 1.0.0-rc94 or < 1.0.0-rc3); neutralised: cgroup.memory=nokmem is in effect",
		planned: map[string]string{"runtimes.runc": "docker-runc 1.0.0-rc5+dev → 1.0.0-rc95"}}
	node001 := map[string]after{"kmem.kernel": kernel("3.10.0-1127.el7.x86_64")}
	edge := map[string]after{
		"kmem.kernel": {status: "pass", msg: "kernel 4.4.0-210-generic (Ubuntu, upstream 4.4.262) has the memcg ID fix (4.4.18)",
			planned: map[string]string{"kernel.release": "4.4.0-21-generic → 4.4.0-210-generic", "kernel.version_signature": "Ubuntu 4.4.0-21.37-generic 4.4.6 → Ubuntu 4.4.0-210.242-generic 4.4.262"}},
		"kmem.risk": {status: "unknown", msg: "cannot judge: kmem accounting evidence is unreadable (collector ran without sudo); cgroup.memory=nokmem is ignored before 4.6",
			planned: map[string]string{"kernel.release": "4.4.0-21-generic → 4.4.0-210-generic"}, predicted: map[string]string{"kernel.upstream": "4.4.262 (family ubuntu)"}},
	}
	plans := map[string]map[string]after{"k8s-node-000": node000, "k8s-node-001": node001, "k8s-node-003": node003, "edge-07": edge}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		if h.Status == HostUnreachable {
			continue // no projection, no gate
		}
		plan, targeted := plans[h.Name]
		for _, cur := range h.Results {
			p := cur
			p.Baseline = ""
			if targeted {
				p.Predicted = true
				if a, ok := plan[p.ID]; ok {
					p.Status, p.Message, p.Waiver = a.status, a.msg, a.waiver
					if p.Status == "pass" {
						p.Remediation = ""
					}
					p.Evidence = maps.Clone(p.Evidence)
					if p.Evidence == nil {
						p.Evidence = map[string]any{}
					}
					if a.planned != nil {
						p.Evidence[EvidencePlanned] = a.planned
					}
					if a.predicted != nil {
						p.Evidence[EvidencePredicted] = a.predicted
					}
				}
			}
			h.Projected = append(h.Projected, p)
		}
		h.Gate = GateGo
		for _, p := range sortedResults(h.Projected) { // most severe first, as kaudit gate lists them
			if policies.Blocks(&p, "high") && !slices.Contains(h.GateBlockers, p.ID) {
				h.GateBlockers = append(h.GateBlockers, p.ID)
			}
		}
		if len(h.GateBlockers) > 0 {
			h.Gate = GateNoGo
		}
	}
	return r
}

// sampleNotices are the notices kaudit run prints for examples/staging.hcl
// waivers: one expired, one expiring, one matching no check.
func sampleNotices() []Notice {
	return []Notice{
		waiverNotice(NoticeError, "kmem.runc", "inventories/prod.hcl:86:1", "expired on 2026-02-28 and was not applied: 2 result(s) on 2 host(s) keep their fail/unknown status; extend it or fix the hosts"),
		waiverNotice(NoticeWarning, "kmem.runc", "inventories/prod.hcl:96:1", "expires on 2026-03-09 (in 7 days); extend it or fix the hosts before then"),
		waiverNotice(NoticeWarning, "kmem.kmem_acct", "inventories/prod.hcl:104:1", "matches no check of the loaded policy packs (\"kmem.kmem_acct\")"),
		waiverNotice(NoticeError, "kmem.risk", "inventories/prod.hcl:86:1", "kmem.risk is a critical check: not waived on 1 result(s) because the waiver does not set allow_critical = true"),
	}
}

// bigReport is a fleet of n hosts cloned from the sample, spread over 12
// groups, for size and speed measurements and the pagination test.
func bigReport(n int) *Report {
	s := sampleReport()
	r := *s
	r.Hosts = make([]Host, n)
	groups := []string{"k8s-prod", "k8s-batch", "k8s-stage", "ci", "edge", "db", "cache", "ingress", "search", "ml", "logging", "vault"}
	for i := range n {
		h := s.Hosts[i%len(s.Hosts)]
		h.Name = fmt.Sprintf("node-%05d", i)
		h.Address = fmt.Sprintf("10.%d.%d.%d", 20+i/65536, (i/256)%256, i%256)
		h.Groups = []string{groups[i%len(groups)]}
		h.Labels = map[string]string{"env": "prod", "rack": fmt.Sprintf("r%02d", i%40)}
		r.Hosts[i] = h
	}
	return &r
}
