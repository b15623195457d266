# Facts documents for the pack's tests, built from the seeds' real outputs
# (testdata/outputs, quoted verbatim). Only the fields a check reads are set; a
# test varies one with object.union. testdata/facts/*.json are the complete
# documents the Go tests use.
package kaudit.kmem_test

import data.kaudit.kmem

# ---------------------------------------------------------------- helpers

# result(id, inp): the result of check id for input inp.
result(id, inp) := r if {
	rs := kmem.results with input as inp
	some r in rs
	r.id == id
}

status(id, inp) := result(id, inp).status

message(id, inp) := result(id, inp).message

# merge(base, patch): base with patch merged in (objects deep, arrays replaced).
merge(base, patch) := object.union(base, patch)

ok := {"source": "test", "exit": 0}

absent := {"source": "test", "exit": 1, "error": "absent"}

all_clean := {s: ok | some s in [
	"hostname", "os_release", "redhat_release", "kernel_osrelease", "proc_version", "version_signature",
	"cmdline", "default_grub", "grub_cfg", "bls_entries", "grubenv", "grubby", "kernel_config",
	"cgroup_mounts", "proc_cgroups", "cgroup_v2", "memcg_dirs", "kmem", "sys_kernel_slab", "meminfo",
	"buddyinfo", "extfrag_index", "extfrag_threshold", "runc", "docker", "containerd", "kubelet",
	"kubelet_config", "docker_daemon_json", "kernel_log",
]}

# ---------------------------------------------------------------- seed 000
# CentOS Linux release 7.5.1804, 3.10.0-862.el7.x86_64, k8s v1.12.3,
# Docker version 18.06.1-ce; soft lockups and SLUB failures in dmesg.
seed000 := {
	"schema": "kaudit.facts/v1",
	"sources": all_clean,
	"os": {"id": "centos", "redhat_release": "CentOS Linux release 7.5.1804 (Core)"},
	"kernel": {"release": "3.10.0-862.el7.x86_64", "family": "rhel7", "upstream": "3.10.0"},
	"boot": {
		"cmdline": "BOOT_IMAGE=/vmlinuz-3.10.0-862.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet",
		"nokmem": false, "memcg_disabled": false, "persisted": null,
	},
	"cgroup": {"mode": "v1", "memory_v1": true, "memory_mount": "/sys/fs/cgroup/memory"},
	"kmem": {"containers_found": 0, "containers_sampled": 0, "containers_active": 0, "containers_inactive": 0, "containers_error": 0},
	"runtimes": {
		# the collector flags every docker-runc* as projectatomic; docker-ce's is upstream.
		"runc": [{"name": "docker-runc", "path": "/usr/bin/docker-runc", "version": "1.0.0-rc5+dev", "flavor": "projectatomic"}],
		"docker": {"name": "docker", "version": "18.06.1-ce", "raw": "Docker version 18.06.1-ce, build e68fc7a"},
		"kubelet": {"name": "kubelet", "path": "/usr/bin/kubelet", "version": "v1.12.3"},
	},
	"kernel_log": {"source": "dmesg", "signatures": {
		"soft_lockup": {"count": 1, "latest": "NMI watchdog: BUG: soft lockup - CPU#xx stuck for 22s!"},
		"slub_alloc_fail": {"count": 1, "latest": "SLUB: Unable to allocate memory on node -1 (gfp=0xd0)"},
		"no_more_sockets": {"count": 2, "latest": "IPv6: Failed to initialize the ICMP6 control socket (err -23)"},
	}},
}

# ---------------------------------------------------------------- seed 002
# 3.10.0-514.el7.x86_64; /proc/buddyinfo of the broken node, the healthy node
# and the broken node after compact_memory; /proc/meminfo derived from the
# Mem-Info dump (slab_unreclaimable:1709086 pages = 6836344 kB; managed
# 15908+2884472+13367020 = 16267400 kB).
not_quoted := {"source": "", "exit": 0, "error": "not_collected", "message": "not quoted by the seed"}

seed002_broken := {
	"sources": object.union(all_clean, {s: not_quoted | some s in ["cmdline", "runc", "kubelet", "kmem", "proc_cgroups"]}),
	"kernel": {"release": "3.10.0-514.el7.x86_64", "family": "rhel7", "upstream": "3.10.0"},
	"cgroup": {"mode": "v1", "memory_v1": true},
	"memory": {
		"meminfo": {"MemTotal": 16267400, "Slab": 14576892, "SReclaimable": 7740548, "SUnreclaim": 6836344},
		"buddyinfo": [
			{"node": 0, "zone": "DMA", "free": [1, 0, 0, 1, 2, 1, 1, 0, 1, 1, 3]},
			{"node": 0, "zone": "DMA32", "free": [8409, 8079, 1340, 74, 6, 0, 0, 0, 0, 0, 0]},
			{"node": 0, "zone": "Normal", "free": [40153, 12774, 302, 17, 0, 0, 0, 0, 0, 0, 0]},
		],
	},
	"kernel_log": {"source": "/var/log/messages", "signatures": {
		"page_alloc_fail": {"count": 1, "latest": "Nov 12 15:15:41 kernel: exe: page allocation failure: order:6, mode:0x10c0d0"},
		"nf_conntrack_cache": {"count": 2, "latest": "Nov 12 15:15:41 kernel: Unable to create nf_conn slab cache"},
	}},
}

buddy_healthy := [
	{"node": 0, "zone": "DMA", "free": [1, 0, 0, 1, 2, 1, 1, 0, 1, 1, 3]},
	{"node": 0, "zone": "DMA32", "free": [575, 1361, 326, 105, 159, 533, 203, 124, 47, 0, 0]},
	{"node": 0, "zone": "Normal", "free": [108, 1708, 952, 1064, 957, 690, 285, 145, 12, 1, 0]},
]

buddy_compacted := [
	{"node": 0, "zone": "DMA", "free": [1, 0, 0, 1, 2, 1, 1, 0, 1, 1, 3]},
	{"node": 0, "zone": "DMA32", "free": [6785, 7725, 1232, 104, 0, 0, 0, 0, 0, 0, 0]},
	{"node": 0, "zone": "Normal", "free": [31163, 14197, 1102, 88, 27, 22, 1, 0, 0, 0, 0]},
]

# ---------------------------------------------------------------- seed 003
# CentOS Linux release 7.4.1708, 3.10.0-693.el7.x86_64, kubelet v1.15.5,
# runc 1.0.0-rc10 (commit dc9208a3303feef5b3839f4323d9beb36df0a9dd); kubepods
# and a container cgroup print "slabinfo - version: 2.1"; "memory 8 87 1".
seed003_active := {
	"sources": all_clean,
	"kernel": {"release": "3.10.0-693.el7.x86_64", "family": "rhel7", "upstream": "3.10.0"},
	"cgroup": {"mode": "v1", "memory_v1": true, "memory_num_cgroups": 87},
	"kmem": {
		"kubepods": {"path": "/sys/fs/cgroup/memory/kubepods", "state": "active", "kind": "kubepods"},
		"containers": [{
			"path": "/sys/fs/cgroup/memory/kubepods/pod1f1bdb40-defe-44ad-9138-14f2dbcf3b28/0c97468753e9933793457e90e9964e9ef6493daae048eb0841bae634e6d5d326",
			"state": "active", "kind": "container",
		}],
		"containers_found": 3, "containers_sampled": 1, "containers_active": 1, "containers_inactive": 0, "containers_error": 0,
	},
	"runtimes": {
		"runc": [{"name": "runc", "path": "/usr/bin/runc", "version": "1.0.0-rc10", "commit": "dc9208a3303feef5b3839f4323d9beb36df0a9dd", "flavor": "upstream"}],
		"kubelet": {"name": "kubelet", "path": "/usr/bin/kubelet", "version": "v1.15.5"},
	},
}

# kubelet rebuilt with GOFLAGS="-v -tags=nokmem", runc 1.0.0-rc10 rebuilt with
# BUILDTAGS="... nokmem", rebooted: memory.kmem.slabinfo gives Input/output error.
kmem_eio := {
	"kubepods": {"path": "/sys/fs/cgroup/memory/kubepods", "state": "inactive", "kind": "kubepods"},
	"containers": [{"path": "/sys/fs/cgroup/memory/docker/0c97468753e9933793457e90e9964e9ef6493daae048eb0841bae634e6d5d326", "state": "inactive", "kind": "docker"}],
	"containers_found": 1, "containers_sampled": 1, "containers_active": 0, "containers_inactive": 1, "containers_error": 0,
}

seed003_fixed := merge(seed003_active, {
	"kernel": {"release": "3.10.0-1127.el7.x86_64"},
	"boot": {"nokmem": false, "memcg_disabled": false},
	"kmem": kmem_eio,
})

# ---------------------------------------------------------------- seed 004
# dmesg -T on a 3.10 node: SLUB failures, kmem usage lines, memcg OOM kills.
seed004 := {
	"sources": all_clean,
	"kernel": {"release": "3.10.0-957.el7.x86_64", "family": "rhel7", "upstream": "3.10.0", "config": {"CONFIG_MEMCG": "y", "CONFIG_MEMCG_SWAP": "y", "CONFIG_MEMCG_SWAP_ENABLED": "y", "CONFIG_MEMCG_KMEM": "y"}},
	"cgroup": {"mode": "v1", "memory_v1": true},
	"kernel_log": {"source": "dmesg", "signatures": {
		"slub_alloc_fail": {"count": 2, "latest": "[五 7月  3 00:00:50 2020] SLUB: Unable to allocate memory on node -1 (gfp=0x80d0)"},
		"kmem_usage": {"count": 2, "latest": "[五 7月  3 00:11:10 2020] kmem: usage 3871544kB, limit 9007199254740988kB, failcnt 0"},
		"memcg_oom": {"count": 1, "latest": "[五 7月  3 00:05:57 2020] Memory cgroup out of memory: Kill process 789343 (java) score 1074 or sacrifice child"},
	}},
}

# ---------------------------------------------------------------- mitigated RHEL 7 and Ubuntu 22.04 (cgroup v2)

nokmem_args := "ro crashkernel=auto rhgb quiet cgroup.memory=nokmem"

mitigated := merge(seed003_fixed, {
	"boot": {
		"cmdline": concat(" ", ["BOOT_IMAGE=/vmlinuz-3.10.0-1127.el7.x86_64", nokmem_args]),
		"nokmem": true, "memcg_disabled": false,
		"persisted": [
			{"kind": "default_grub", "source": "/etc/default/grub", "default": true, "args": nokmem_args, "nokmem": true, "memcg_disabled": false},
			{"kind": "grub_cfg", "source": "/boot/grub2/grub.cfg", "entry": "CentOS Linux (3.10.0-1127.el7.x86_64) 7 (Core)", "default": true, "args": nokmem_args, "nokmem": true, "memcg_disabled": false},
			{"kind": "grub_cfg", "source": "/boot/grub2/grub.cfg", "entry": "CentOS Linux (3.10.0-693.el7.x86_64) 7 (Core)", "default": false, "args": "ro", "nokmem": false, "memcg_disabled": false},
		],
	},
	"cgroup": {"memory_live_dirs": 80},
	"memory": {"meminfo": {"MemTotal": 16267400, "SUnreclaim": 210228}, "buddyinfo": buddy_healthy},
	"kernel_log": {"source": "dmesg"},
})

ubuntu_v2 := {
	"sources": all_clean,
	"kernel": {"release": "5.15.0-91-generic", "version_signature": "Ubuntu 5.15.0-91.101-generic 5.15.131", "family": "ubuntu", "upstream": "5.15.131"},
	"boot": {"nokmem": false, "memcg_disabled": false, "persisted": [
		{"kind": "default_grub", "source": "/etc/default/grub", "default": true, "args": "", "nokmem": false, "memcg_disabled": false},
		{"kind": "grub_cfg", "source": "/boot/grub/grub.cfg", "entry": "Ubuntu", "default": true, "args": "ro", "nokmem": false, "memcg_disabled": false},
	]},
	"cgroup": {"mode": "v2", "memory_v1": false, "memory_num_cgroups": 212},
	"runtimes": {
		"runc": [{"name": "runc", "path": "/usr/sbin/runc", "version": "1.1.7-0ubuntu1~22.04.2", "flavor": "debian"}],
		"kubelet": {"name": "kubelet", "version": "v1.28.2"},
		"kubelet_cgroup_driver": "systemd",
	},
	"memory": {"meminfo": {"MemTotal": 8131252, "SUnreclaim": 152004}, "buddyinfo": buddy_healthy},
	"kernel_log": {"source": "dmesg", "signatures": {"memcg_oom": {"count": 3, "latest": "Memory cgroup out of memory: Killed process 4242 (java)"}}},
}

# A CentOS 7.9 VM with no container runtime (testdata/fleet/vm-noruntime, as
# kaudit collected it): runc, docker, containerd and kubelet "command not
# found", no kubepods cgroup, no container cgroup, only systemd's slices.
vm_noruntime := {
	"sources": object.union(all_clean, {s: absent | some s in ["runc", "docker", "containerd", "kubelet", "kubelet_config", "docker_daemon_json"]}),
	"os": {"id": "centos", "redhat_release": "CentOS Linux release 7.9.2009 (Core)"},
	"kernel": {"release": "3.10.0-1160.el7.x86_64", "family": "rhel7", "upstream": "3.10.0", "config": {"CONFIG_MEMCG": "y", "CONFIG_MEMCG_KMEM": "y", "CONFIG_MEMCG_SWAP": "y", "CONFIG_MEMCG_SWAP_ENABLED": "y"}},
	"boot": {"cmdline": "BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet LANG=en_US.UTF-8", "nokmem": false, "memcg_disabled": false},
	"cgroup": {"mode": "v1", "memory_v1": true, "memory_mount": "/sys/fs/cgroup/memory", "memory_num_cgroups": 14, "memory_live_dirs": 12},
	"kmem": {
		"kubepods": {"path": "/sys/fs/cgroup/memory/kubepods", "state": "absent", "kind": "kubepods"},
		"containers_found": 0, "containers_sampled": 0, "containers_active": 0, "containers_inactive": 0, "containers_error": 0, "slab_entries": 171,
	},
	"runtimes": {"runc": []},
	"kernel_log": {"source": "dmesg"},
}

# an upstream kernel with a v1 hierarchy, for version-table cases.
upstream(v) := merge(seed000, {"kernel": {"release": v, "family": "upstream", "upstream": v}})

# a source that could not be read.
unreadable(section) := {"sources": {section: {"source": "test", "exit": 1, "error": "permission", "message": "Permission denied"}}}
