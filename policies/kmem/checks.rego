# Metadata of every check of the kmem pack: what `kaudit policy list/show`
# prints and what each result's title and severity come from. IDs, severities
# and semantics are the product contract (docs/policies.md).
package kaudit.kmem

_cmd_nokmem_grubby := "grubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot"

_cmd_nokmem_grub := `sed -i '/^GRUB_CMDLINE_LINUX=/ s/"$/ cgroup.memory=nokmem"/' /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg && reboot`

_cmd_verify := "verify after the reboot: grep -o cgroup.memory=nokmem /proc/cmdline && cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)"

# Literal strings only: the checks object is read by every result, so it must
# cost nothing to evaluate.
_fix_nokmem := `boot with cgroup.memory=nokmem: grubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot; or persist it in /etc/default/grub: sed -i '/^GRUB_CMDLINE_LINUX=/ s/"$/ cgroup.memory=nokmem"/' /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg && reboot (UEFI: grub2-mkconfig -o /boot/efi/EFI/centos/grub.cfg); verify after the reboot: grep -o cgroup.memory=nokmem /proc/cmdline && cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)`

_fix_runc := `install runc >= 1.0.0-rc94 (kernel memory limits ignored), or a runc built with make BUILDTAGS="seccomp nokmem" (>= rc6); then reboot so existing container cgroups are recreated without kmem`

_fix_kubelet := `upgrade the kubelet to >= 1.22, or (>= 1.14) rebuild it: make WHAT=cmd/kubelet GOFLAGS="-v -tags=nokmem" (BUILDTAGS= alone does nothing); then systemctl restart kubelet and reboot so existing pod cgroups lose kmem`

_fix_kernel := "RHEL/CentOS 7: yum update kernel (>= 3.10.0-1075.el7 fixes the slab crash, but the memcg ID leak remains: keep kmem accounting off); or move to an upstream kernel >= 4.7 (4.4.18+, 4.6.6+)"

_fix_drain := "drain the node (kubectl drain <node> --ignore-daemonsets) and reboot it to release the leaked memcg IDs and slab, then apply kmem.risk's fix so it does not come back"

checks := {
	"kmem.kernel": {
		"order": 1,
		"title": "Running kernel carries the cgroup v1 kmem leak",
		"severity": "low",
		"description": "Every RHEL/CentOS 7 kernel (3.10.0-*.el7) and upstream kernels before 4.7 (except 4.4.18+ and 4.6.6+) leak memory cgroups once kmem accounting is on: per-memcg slab caches are never freed and dead memcgs keep their IDs (cap 65535). Ubuntu kernels are judged by the upstream version in /proc/version_signature. A fact and upgrade advice; whether the node is exposed is judged by the checks below. Not applicable without a cgroup v1 memory hierarchy.",
		"sources": [
			"Red Hat bz 1507149, slab leak fix in kernel-3.10.0-1075.el7: https://bugzilla.redhat.com/show_bug.cgi?id=1507149 (relayed in https://github.com/docker/for-linux/issues/841)",
			"the memcg ID leak still reproduces on 3.10.0-1062.el7 and 3.10.0-1127.el7: testdata/fleet/seed003-centos78 (fixture from a reproduction), docs/policies.md",
			"memcg ID recycling, v4.7 (backported to 4.4.18 and 4.6.6): https://github.com/torvalds/linux/commit/73f576c04b94, https://nvd.nist.gov/vuln/detail/CVE-2024-43892",
			"dead-cache slab fix, ~v4.0: https://github.com/torvalds/linux/commit/d6e0b7fa1186",
		],
		"remediation": "RHEL/CentOS 7: yum update kernel (>= 3.10.0-1075.el7 fixes the slab crash, but the memcg ID leak remains: keep kmem accounting off); or move to an upstream kernel >= 4.7 (4.4.18+, 4.6.6+)",
	},
	"kmem.accounting": {
		"order": 2,
		"title": "kmem accounting switched off in pod and container cgroups",
		"severity": "high",
		"description": "Reads memory.kmem.slabinfo of the kubepods cgroup and of a sample of pod and container cgroups (below kubepods, docker/, system.slice/docker-*.scope): a slabinfo header means kmem accounting is active, Input/output error (EIO) means it is not. Fails when any is active on an affected kernel; the message counts active and inactive cgroups. Unknown when nothing readable was sampled; not applicable on a node without any container stack (runc, docker, containerd and kubelet probed and not found, no kubepods or container cgroup), where nothing creates kmem-accounted cgroups.",
		"sources": [
			"memory.kmem.slabinfo readable = kmem accounting active (EIO when off): https://www.kernel.org/doc/Documentation/cgroup-v1/memory.txt, docs/facts.md",
			"kubepods/memory.kmem.slabinfo as the leak test: https://github.com/kubernetes/kubernetes/issues/61937",
		],
		"remediation": `boot with cgroup.memory=nokmem: grubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot; or persist it in /etc/default/grub: sed -i '/^GRUB_CMDLINE_LINUX=/ s/"$/ cgroup.memory=nokmem"/' /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg && reboot (UEFI: grub2-mkconfig -o /boot/efi/EFI/centos/grub.cfg); verify after the reboot: grep -o cgroup.memory=nokmem /proc/cmdline && cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)`,
	},
	"kmem.nokmem_boot": {
		"order": 3,
		"title": "cgroup.memory=nokmem on the running kernel command line",
		"severity": "medium",
		"description": "On an affected kernel, cgroup.memory=nokmem keeps kmem accounting off whatever runc and the kubelet do. Passes when it is on /proc/cmdline and the cgroup evidence agrees (EIO). Fails when it is missing (the message says whether runtime mitigations cover the node meanwhile) or present but ignored: kmem still active, or an upstream kernel before ~4.6, where the unknown dotted option is silently ignored. On RHEL 7 it is reported to work from 3.10.0-1062 but unconfirmed earlier, so it stays unknown until a cgroup shows EIO.",
		"sources": [
			"cgroup.memory=nokmem, v4.5 (effective for v1 from ~4.6): https://github.com/torvalds/linux/commit/04823c833b3e",
			"nokmem on 3.10.0-1062 (first RHEL 7 kernel honouring it unconfirmed): https://github.com/docker/for-linux/issues/841, https://github.com/opencontainers/runc/issues/2039",
			"unknown dotted boot options are ignored (init/main.c): https://github.com/torvalds/linux/blob/master/init/main.c",
			"docs/policies.md (verifying a fix took effect)",
		],
		"remediation": `boot with cgroup.memory=nokmem: grubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot; or persist it in /etc/default/grub: sed -i '/^GRUB_CMDLINE_LINUX=/ s/"$/ cgroup.memory=nokmem"/' /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg && reboot (UEFI: grub2-mkconfig -o /boot/efi/EFI/centos/grub.cfg); verify after the reboot: grep -o cgroup.memory=nokmem /proc/cmdline && cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)`,
	},
	"kmem.boot_drift": {
		"order": 4,
		"title": "Running and persisted kernel command line agree",
		"severity": "medium",
		"description": "Compares cgroup.memory=nokmem and cgroup_disable=memory on the running command line with every persisted place that sets kernel arguments: GRUB_CMDLINE_LINUX in /etc/default/grub, the default grub.cfg entry, BLS entries, grubenv and grubby's default. Fails on disagreement: in the boot config but not running (reboot pending), only in /etc/default/grub (grub2-mkconfig not run), or running but not persisted (lost at the next boot or kernel update). Not applicable on hosts without a boot loader configuration.",
		"sources": ["persist, regenerate, reboot, verify: docs/policies.md, https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/7/html/system_administrators_guide/ch-working_with_the_grub_2_boot_loader"],
		"remediation": `reboot pending: reboot; only in /etc/default/grub: grub2-mkconfig -o /boot/grub2/grub.cfg && reboot; not persisted: sed -i '/^GRUB_CMDLINE_LINUX=/ s/"$/ cgroup.memory=nokmem"/' /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg && reboot`,
	},
	"kmem.memcg_disabled": {
		"order": 5,
		"title": "Memory controller enabled on a Kubernetes node",
		"severity": "medium",
		"description": "cgroup_disable=memory removes the memory controller: it avoids the leak (seed 001) but the kubelet can no longer enforce memory limits, so on a node that runs a kubelet it is a finding, not a fix.",
		"sources": ["cgroup_disable=memory removes the controller: https://www.kernel.org/doc/html/latest/admin-guide/kernel-parameters.html", "docs/policies.md"],
		"remediation": "grubby --update-kernel=ALL --remove-args=cgroup_disable=memory && grubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot",
	},
	"kmem.runc": {
		"order": 6,
		"title": "runc does not switch kmem accounting on",
		"severity": "high",
		"description": "runc from v1.0.0-rc3 to before v1.0.0-rc94 enables kmem accounting on every memory-limited cgroup with the cgroupfs driver (the systemd driver and RHEL's projectatomic docker-runc only for an explicit kernel-memory limit). A nokmem build (from rc6) cannot be told from the version string, so container cgroups that all read EIO neutralise it. Every runc binary found is judged and the worst one reported.",
		"sources": [
			"kmem on from rc3: https://github.com/opencontainers/runc/commit/fe898e78, https://github.com/opencontainers/runc/pull/1350",
			"nokmem build tag, rc6: https://github.com/opencontainers/runc/pull/1921",
			"rc94 ignores kernel memory limits: https://github.com/opencontainers/runc/pull/2840",
			"runc 1.0.0-rc10 rebuilt with nokmem: testdata/fleet/seed003-fixed",
		],
		"remediation": `install runc >= 1.0.0-rc94 (kernel memory limits ignored), or a runc built with make BUILDTAGS="seccomp nokmem" (>= rc6); then reboot so existing container cgroups are recreated without kmem`,
	},
	"kmem.kubelet": {
		"order": 7,
		"title": "kubelet does not switch kmem accounting on",
		"severity": "high",
		"description": "The kubelet from ~1.8 to 1.21 enables kmem accounting on the pod cgroups (cgroupfs driver); 1.22 (vendored runc rc95) no longer does; from 1.14 a -tags=nokmem build is possible, which kubepods/memory.kmem.slabinfo reading EIO reveals. With the systemd cgroup driver libcontainer enables kmem only for an explicit limit (code-derived, untested), so the evidence decides.",
		"sources": [
			"https://github.com/kubernetes/kubernetes/issues/61937",
			"-tags=nokmem from 1.14: https://github.com/kubernetes/kubernetes/pull/72114",
			"runc rc95 in 1.22: https://github.com/kubernetes/kubernetes/blob/master/CHANGELOG/CHANGELOG-1.22.md",
			"kubelet v1.15.5 rebuilt with GOFLAGS=\"-v -tags=nokmem\": testdata/fleet/seed003-fixed",
		],
		"remediation": `upgrade the kubelet to >= 1.22, or (>= 1.14) rebuild it: make WHAT=cmd/kubelet GOFLAGS="-v -tags=nokmem" (BUILDTAGS= alone does nothing); then systemctl restart kubelet and reboot so existing pod cgroups lose kmem`,
	},
	"kmem.memcg_headroom": {
		"order": 8,
		"title": "Memory cgroup IDs left below the 65535 cap",
		"severity": "critical",
		"description": "The memory row of /proc/cgroups, column num_cgroups, against MEM_CGROUP_ID_MAX (65535): at the cap mkdir in /sys/fs/cgroup/memory fails with ENOSPC and pods cannot start (seed 003: memory 8 65513 1). Fails at params.memcg_headroom_fail of the cap, says 'approaching' from params.memcg_headroom_warn. On RHEL 3.10 the count drops at rmdir while the ID stays held, so there a low count proves nothing and an ENOSPC in the logs fails the check.",
		"sources": ["reproduction to 65513: testdata/fleet/seed003-centos78", "count under-reports on RHEL 3.10: https://github.com/kubernetes/kubernetes/issues/61937"],
		"remediation": "drain the node (kubectl drain <node> --ignore-daemonsets) and reboot it to release the leaked memcg IDs and slab, then apply kmem.risk's fix so it does not come back",
	},
	"kmem.memcg_zombies": {
		"order": 9,
		"title": "Few dying (zombie) memory cgroups",
		"severity": "high",
		"description": "num_cgroups minus the memory cgroup directories that still exist: memcgs removed but still pinned by charged kernel memory. moby/moby#29638 showed 22563 counted against 61 live on a 4.6 kernel. Fails above params.memcg_zombies_fail. On RHEL 3.10 the count under-reports (kubernetes#61937).",
		"sources": ["https://github.com/moby/moby/issues/29638", "https://github.com/kubernetes/kubernetes/issues/61937"],
		"remediation": "stop-gap: echo 2 > /proc/sys/vm/drop_caches (frees page cache that pins dying memcgs); drain the node (kubectl drain <node> --ignore-daemonsets) and reboot it to release the leaked memcg IDs and slab, then apply kmem.risk's fix so it does not come back",
	},
	"kmem.kernel_log": {
		"order": 10,
		"title": "Kernel log free of kmem leak signatures",
		"severity": "critical",
		"description": "Leak signatures in the kernel log (dmesg, journalctl -k, /var/log/messages): SLUB allocation failures on node -1, soft lockups, page allocation failures, nf_conntrack slab cache failures, memory cgroup OOM kills, kmem usage lines, ENOSPC on memory cgroup mkdir, OCI runtime 'exit status 6', 'no more sockets'. Any one fails; the message counts each and quotes the latest line. Signatures listed in params.kernel_log_ignore are not judged.",
		"sources": ["the signatures and where they come from: docs/facts.md", "https://github.com/moby/moby/issues/29638", "https://github.com/kubernetes/kubernetes/issues/61937"],
		"remediation": "drain the node (kubectl drain <node> --ignore-daemonsets) and reboot it to release the leaked memcg IDs and slab, then apply kmem.risk's fix so it does not come back",
	},
	"kmem.slab_pressure": {
		"order": 11,
		"title": "Unreclaimable slab below its share of memory",
		"severity": "medium",
		"description": "SUnreclaim in /proc/meminfo as a share of MemTotal. Leaked per-memcg slab caches are unreclaimable; seed 002's broken node had 6836344 kB of 16267400 kB (42%). Fails above params.slab_unreclaim_fail.",
		"sources": ["SUnreclaim: https://www.kernel.org/doc/html/latest/filesystems/proc.html", "a broken node's figures: testdata/fleet/seed002-nfconn"],
		"remediation": "stop-gap: echo 2 > /proc/sys/vm/drop_caches; drain the node (kubectl drain <node> --ignore-daemonsets) and reboot it to release the leaked memcg IDs and slab, then apply kmem.risk's fix so it does not come back",
	},
	"kmem.fragmentation": {
		"order": 12,
		"title": "High-order free blocks left in zones Normal/DMA32",
		"severity": "medium",
		"description": "/proc/buddyinfo: fails when no free block of order >= params.fragmentation_min_order (default 6, the order:6 allocation that failed in seed 002) is left in zones Normal and DMA32 together, as on seed 002's broken node (nothing above order 3 in Normal); its healthy node had hundreds at orders 4-8.",
		"sources": ["buddyinfo: https://www.kernel.org/doc/html/latest/filesystems/proc.html", "a broken and a healthy node: testdata/fleet/seed002-nfconn"],
		"remediation": "stop-gap: echo 1 > /proc/sys/vm/compact_memory; drain the node (kubectl drain <node> --ignore-daemonsets) and reboot it to release the leaked memcg IDs and slab, then apply kmem.risk's fix so it does not come back",
	},
	"kmem.memcg_forecast": {
		"order": 14,
		"title": "Memory cgroup IDs not forecast to run out soon",
		"severity": "high",
		"description": "From the host's recorded history (--history; docs/history.md): a robust (Theil-Sen) fit of the growth of memory num_cgroups over the runs since the last reboot or drop of the count, with at least 3 runs over at least 24 h, projected to the 65535 memcg ID cap (or params.memcg_forecast_share of it). Fails when the cap is reached sooner than params.memcg_forecast_days (default 14); passes when the count is flat or the date is further; unknown without history or with too little of it (the message says how much there is). The growth of dying memcgs is shown too. On RHEL 3.10 num_cgroups under-reports (kubernetes#61937), so the date is a lower bound of the danger.",
		"sources": ["reproduction to 65513: testdata/fleet/seed003-centos78", "count under-reports on RHEL 3.10: https://github.com/kubernetes/kubernetes/issues/61937", "median of pairwise slopes: https://en.wikipedia.org/wiki/Theil%E2%80%93Sen_estimator"],
		"remediation": "schedule a drain and reboot of the node before the date (kubectl drain <node> --ignore-daemonsets, reboot) to release the leaked memcg IDs, then apply kmem.risk's fix so the count stops growing",
	},
	"kmem.risk": {
		"order": 13,
		"title": "Node exposed to the kmem leak (bottom line)",
		"severity": "critical",
		"description": "Fails when the kernel is affected, kmem accounting is or will be switched on (observed active in the cgroup tree or the kernel log, or a runc/kubelet version that enables it) and cgroup.memory=nokmem is not in effect. The message names the single shortest fix for this node: a reboot when nokmem is already persisted, a kubelet rebuild with -tags=nokmem when runc is already safe, a runc upgrade when the kubelet is safe, else the boot option. On an affected kernel it never passes while the node shows the leak has already happened: leak signatures in the kernel log (those kmem.kernel_log judges; with nokmem in effect only this boot's dmesg or journal counts, as /var/log/messages may predate the reboot) or memory cgroup IDs at the kmem.memcg_headroom fail limit. Then it fails with 'the leak has occurred', what was seen and what is in effect now, and the remediation drains and reboots the node (only a reboot frees leaked memcg IDs and slab) besides the fix that prevents it. Passes when mitigated, and on a cgroup v1 node whose kernel is not affected (saying why: memcg ID recycling, no CONFIG_MEMCG_KMEM); unknown when the kernel is not recognised; not applicable only without a cgroup v1 memory hierarchy.",
		"sources": ["docs/policies.md", "https://github.com/opencontainers/runc/pull/2840", "https://github.com/kubernetes/kubernetes/issues/61937"],
		"remediation": `boot with cgroup.memory=nokmem: grubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot; or persist it in /etc/default/grub: sed -i '/^GRUB_CMDLINE_LINUX=/ s/"$/ cgroup.memory=nokmem"/' /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg && reboot (UEFI: grub2-mkconfig -o /boot/efi/EFI/centos/grub.cfg); verify after the reboot: grep -o cgroup.memory=nokmem /proc/cmdline && cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)`,
	},
}
