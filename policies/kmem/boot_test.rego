# kmem.kernel, kmem.nokmem_boot, kmem.boot_drift, kmem.memcg_disabled.
package kaudit.kmem_test

# ---------------------------------------------------------------- kmem.kernel

test_kernel_fail_rhel7_seed000 if {
	r := result("kmem.kernel", seed000)
	r.status == "fail"
	r.message == "kernel 3.10.0-862.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak; it also predates the slab crash fix (3.10.0-1075.el7)"
	r.evidence["kernel.release"] == "3.10.0-862.el7.x86_64"
	contains(r.remediation, "3.10.0-1075.el7")
}

test_kernel_fail_rhel7_after_slab_fix_seed003 if {
	# seed 003: the memcg leak still reproduces on 3.10.0-1127.el7.
	r := result("kmem.kernel", seed003_fixed)
	r.status == "fail"
	r.message == "kernel 3.10.0-1127.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak"
}

test_kernel_upstream_table if {
	status("kmem.kernel", upstream("4.4.6")) == "fail"
	status("kmem.kernel", upstream("4.4.17")) == "fail"
	status("kmem.kernel", upstream("4.4.18")) == "pass"
	status("kmem.kernel", upstream("4.5.7")) == "fail"
	status("kmem.kernel", upstream("4.6.5")) == "fail"
	status("kmem.kernel", upstream("4.6.6")) == "pass"
	status("kmem.kernel", upstream("4.7")) == "pass"
	status("kmem.kernel", upstream("5.15.131")) == "pass"
}

test_kernel_ubuntu_judged_by_version_signature if {
	xenial := merge(seed000, {"kernel": {"release": "4.4.0-21-generic", "version_signature": "Ubuntu 4.4.0-21.37-generic 4.4.6", "family": "ubuntu", "upstream": "4.4.6"}})
	r := result("kmem.kernel", xenial)
	r.status == "fail"
	contains(r.message, "kernel 4.4.0-21-generic (upstream 4.4.6) predates the memcg ID fix")
	status("kmem.kernel", merge(xenial, {"kernel": {"version_signature": "Ubuntu 4.4.0-93.116-generic 4.4.76", "upstream": "4.4.76"}})) == "pass"
}

test_kernel_pass_without_kmem_config if {
	r := result("kmem.kernel", merge(seed000, {"kernel": {"config": {"CONFIG_MEMCG_KMEM": "n"}}}))
	r.status == "pass"
	contains(r.message, "without CONFIG_MEMCG_KMEM")
}

test_kernel_not_applicable_v2 if {
	r := result("kmem.kernel", ubuntu_v2)
	r.status == "not_applicable"
	contains(r.message, "cgroup v2 only")
}

test_kernel_unknown if {
	r := result("kmem.kernel", merge(unreadable("kernel_osrelease"), {"cgroup": {"mode": "v1"}}))
	r.status == "unknown"
	contains(r.message, "kernel_osrelease: permission (Permission denied)")
	status("kmem.kernel", upstream("not-a-version")) == "unknown"
}

# ---------------------------------------------------------------- kmem.nokmem_boot

test_nokmem_boot_pass_mitigated if {
	r := result("kmem.nokmem_boot", mitigated)
	r.status == "pass"
	r.message == "cgroup.memory=nokmem is on the running cmdline and 2 sampled cgroups read EIO (kmem accounting off)"
}

test_nokmem_boot_fail_missing_nothing_else if {
	r := result("kmem.nokmem_boot", seed000)
	r.status == "fail"
	contains(r.message, "not on the running cmdline of kernel 3.10.0-862.el7.x86_64; nothing else keeps kmem off")
	contains(r.message, "kubelet v1.12.3 enables it")
	contains(r.remediation, "grubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot")
	contains(r.remediation, "grub2-mkconfig -o /boot/grub2/grub.cfg")
}

test_nokmem_boot_fail_missing_no_container_stack if {
	r := result("kmem.nokmem_boot", vm_noruntime)
	r.status == "fail"
	contains(r.message, "not on the running cmdline of kernel 3.10.0-1160.el7.x86_64; nothing switches kmem on meanwhile: no container runtime or kubelet on this node")
}

test_nokmem_boot_fail_missing_but_runtimes_cover if {
	r := result("kmem.nokmem_boot", seed003_fixed)
	r.status == "fail"
	contains(r.message, "runtime mitigations cover the node meanwhile (runc: neutralised, kubelet: neutralised)")
}

test_nokmem_boot_fail_ignored_by_kernel if {
	# on the cmdline, yet kubepods still accounted: this kernel ignores it.
	r := result("kmem.nokmem_boot", merge(seed003_active, {"boot": {"nokmem": true}}))
	r.status == "fail"
	contains(r.message, "ignores it: kmem accounting is still on")

	# an upstream kernel before ~4.6 never had the option.
	r2 := result("kmem.nokmem_boot", merge(upstream("4.4.6"), {"boot": {"nokmem": true}}))
	r2.status == "fail"
	contains(r2.message, "predates it for cgroup v1")
}

test_nokmem_boot_unknown if {
	# cmdline unreadable
	s := merge(seed000, merge(unreadable("cmdline"), {"boot": {"nokmem": null}}))
	status("kmem.nokmem_boot", s) == "unknown"

	# RHEL 7 with nokmem but nothing sampled to verify it
	r := result("kmem.nokmem_boot", merge(seed000, {"boot": {"nokmem": true}}))
	r.status == "unknown"
	contains(r.message, "RHEL 7 support for it is unconfirmed")

	# an upstream 4.6 kernel honours it without evidence
	status("kmem.nokmem_boot", merge(upstream("4.6.3"), {"boot": {"nokmem": true}})) == "pass"
}

test_nokmem_boot_not_applicable if {
	status("kmem.nokmem_boot", ubuntu_v2) == "not_applicable"
	status("kmem.nokmem_boot", upstream("4.19.0")) == "not_applicable"
}

# ---------------------------------------------------------------- kmem.boot_drift

_entries(nokmem_grub, nokmem_cfg) := [
	{"kind": "default_grub", "source": "/etc/default/grub", "default": true, "args": "", "nokmem": nokmem_grub, "memcg_disabled": false},
	{"kind": "grub_cfg", "source": "/boot/grub2/grub.cfg", "entry": "CentOS Linux (3.10.0-1127.el7.x86_64) 7 (Core)", "default": true, "args": "", "nokmem": nokmem_cfg, "memcg_disabled": false},
]

test_boot_drift_pass_mitigated if {
	r := result("kmem.boot_drift", mitigated)
	r.status == "pass"
	contains(r.message, "2 persisted boot entries agree (cgroup.memory=nokmem: true")
}

test_boot_drift_fail_reboot_pending if {
	r := result("kmem.boot_drift", merge(mitigated, {"boot": {"nokmem": false}}))
	r.status == "fail"
	contains(r.message, "cgroup.memory=nokmem is in default_grub /etc/default/grub, grub_cfg /boot/grub2/grub.cfg (CentOS Linux (3.10.0-1127.el7.x86_64) 7 (Core)) but not on the running cmdline: reboot pending")
	r.remediation == "reboot"
}

test_boot_drift_fail_mkconfig_not_run if {
	r := result("kmem.boot_drift", merge(seed000, {"boot": {"persisted": _entries(true, false)}}))
	r.status == "fail"
	contains(r.message, "grub2-mkconfig not run")
	r.remediation == "grub2-mkconfig -o /boot/grub2/grub.cfg && reboot"
}

test_boot_drift_fail_not_persisted if {
	r := result("kmem.boot_drift", merge(mitigated, {"boot": {"persisted": _entries(false, false)}}))
	r.status == "fail"
	contains(r.message, "cgroup.memory=nokmem is on the running cmdline but not in default_grub /etc/default/grub")
	contains(r.message, "not persisted: lost at the next boot or kernel update")
	contains(r.remediation, "sed -i")
}

test_boot_drift_fail_memcg_disabled if {
	entries := [{"kind": "grub_cfg", "source": "/boot/grub2/grub.cfg", "default": true, "args": "cgroup_disable=memory", "nokmem": false, "memcg_disabled": true}]
	r := result("kmem.boot_drift", merge(seed000, {"boot": {"persisted": entries}}))
	r.status == "fail"
	contains(r.message, "cgroup_disable=memory is in grub_cfg /boot/grub2/grub.cfg but not on the running cmdline: reboot pending")
}

test_boot_drift_not_applicable_without_bootloader if {
	no_boot := {s: absent | some s in ["default_grub", "grub_cfg", "bls_entries", "grubenv", "grubby"]}
	r := result("kmem.boot_drift", merge(seed000, {"sources": no_boot}))
	r.status == "not_applicable"
}

test_boot_drift_unknown if {
	# the persisted config could not be read
	status("kmem.boot_drift", seed000) == "unknown"

	# the running cmdline could not be read
	status("kmem.boot_drift", merge(mitigated, {"boot": {"nokmem": null}})) == "unknown"

	# ... and its derived flags are absent, not null: still a result, unknown
	no_cmdline := json.remove(mitigated, ["boot/cmdline", "boot/nokmem", "boot/memcg_disabled"])
	r := result("kmem.boot_drift", no_cmdline)
	r.status == "unknown"
	startswith(r.message, "running kernel command line not read")
}

# ---------------------------------------------------------------- kmem.memcg_disabled

test_memcg_disabled_fail_with_kubelet if {
	r := result("kmem.memcg_disabled", merge(seed000, {"boot": {"memcg_disabled": true}}))
	r.status == "fail"
	contains(r.message, "kubelet v1.12.3")
	contains(r.remediation, "--remove-args=cgroup_disable=memory")
}

test_memcg_disabled_pass if {
	status("kmem.memcg_disabled", seed000) == "pass"
}

test_memcg_disabled_not_applicable_without_kubelet if {
	no_kubelet := merge(seed000, {"runtimes": {"kubelet": null}, "sources": {"kubelet": absent}, "boot": {"memcg_disabled": true}})
	status("kmem.memcg_disabled", no_kubelet) == "not_applicable"
}

test_memcg_disabled_unknown if {
	status("kmem.memcg_disabled", merge(seed000, {"boot": {"memcg_disabled": null}})) == "unknown"
	kubelet_unknown := merge(seed000, merge(unreadable("kubelet"), {"runtimes": {"kubelet": null}, "boot": {"memcg_disabled": true}}))
	status("kmem.memcg_disabled", kubelet_unknown) == "unknown"
}
