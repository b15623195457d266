# kmem.risk: the bottom line and the shortest fix.
package kaudit.kmem_test

test_risk_fail_seed000_boot_option if {
	r := result("kmem.risk", seed000)
	r.status == "fail"
	contains(r.message, "kernel 3.10.0-862.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak")
	contains(r.message, "runc 1.0.0-rc5+dev enables it")
	contains(r.message, "kubelet v1.12.3 enables it")
	endswith(r.message, "shortest fix: boot with cgroup.memory=nokmem")
	contains(r.remediation, "grubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot")
}

test_risk_fail_seed003_observed if {
	r := result("kmem.risk", seed003_active)
	r.status == "fail"
	contains(r.message, "observed active in 2 sampled cgroups")
}

test_risk_fail_seed004_kernel_log if {
	# no cgroup evidence, no cmdline: the kmem usage lines in dmesg decide.
	r := result("kmem.risk", seed004)
	r.status == "fail"
	contains(r.message, "kmem usage lines in the kernel log")
	contains(r.message, "kmem accounting seen on; cmdline not read")
}

test_risk_fix_reboot_when_nokmem_persisted if {
	s := merge(mitigated, {"boot": {"nokmem": false}, "kmem": {"kubepods": {"state": "active"}}})
	r := result("kmem.risk", s)
	r.status == "fail"
	endswith(r.message, "shortest fix: reboot: cgroup.memory=nokmem is already persisted for the next boot")
	startswith(r.remediation, "reboot")
}

test_risk_fix_rebuild_kubelet_when_runc_safe if {
	s := merge(seed000, {"runtimes": {
		"runc": [{"name": "runc", "path": "/usr/bin/runc", "version": "1.0.0-rc94"}],
		"kubelet": {"name": "kubelet", "version": "v1.15.5"},
	}})
	r := result("kmem.risk", s)
	r.status == "fail"
	endswith(r.message, "shortest fix: rebuild kubelet v1.15.5 with -tags=nokmem (runc is already safe)")
	contains(r.remediation, `GOFLAGS="-v -tags=nokmem"`)
}

test_risk_no_kubelet_rebuild_before_1_14 if {
	s := merge(seed000, {"runtimes": {"runc": [{"name": "runc", "version": "1.0.0-rc94"}]}})
	endswith(message("kmem.risk", s), "shortest fix: boot with cgroup.memory=nokmem")
}

test_risk_fix_upgrade_runc_when_kubelet_safe if {
	s := merge(seed000, {"runtimes": {"kubelet": {"name": "kubelet", "version": "v1.22.0"}}})
	r := result("kmem.risk", s)
	r.status == "fail"
	endswith(r.message, "shortest fix: upgrade runc 1.0.0-rc5+dev to >= 1.0.0-rc94 (the kubelet is already safe)")
}

test_risk_fix_reboot_when_versions_fixed_but_cgroups_accounted if {
	s := merge(seed003_active, {"runtimes": {
		"runc": [{"name": "runc", "version": "1.1.5+ds1"}],
		"kubelet": {"name": "kubelet", "version": "v1.22.0"},
	}})
	r := result("kmem.risk", s)
	r.status == "fail"
	contains(r.message, "shortest fix: reboot: runc and the kubelet no longer enable kmem")
}

test_risk_fix_when_kernel_ignores_nokmem if {
	r := result("kmem.risk", merge(seed003_active, {"boot": {"nokmem": true}}))
	r.status == "fail"
	contains(r.message, "ignores cgroup.memory=nokmem")
}

# ---------------------------------------------------------------- the documented fixes turn risk to pass

# a reboot starts a fresh ring buffer: seed 000's signatures are gone.
rebooted := {"kernel_log": {"source": "dmesg", "signatures": null}}

test_risk_pass_fix_nokmem_boot if {
	fixed := merge(merge(seed000, rebooted), {"boot": {"nokmem": true}, "kmem": kmem_eio})
	r := result("kmem.risk", fixed)
	r.status == "pass"
	contains(r.message, "mitigated: cgroup.memory=nokmem is in effect (2 sampled cgroups read EIO)")
}

test_risk_pass_fix_runc_rc94_and_kubelet_nokmem_build if {
	fixed := merge(merge(seed000, rebooted), {
		"runtimes": {"runc": [{"name": "runc", "version": "1.0.0-rc94"}], "kubelet": {"name": "kubelet", "version": "v1.15.5"}},
		"kmem": kmem_eio,
	})
	r := result("kmem.risk", fixed)
	r.status == "pass"
	contains(r.message, "nothing switches kmem accounting on (runc: neutralised, kubelet: neutralised")
}

test_risk_pass_fix_kubelet_1_22 if {
	fixed := merge(merge(seed000, rebooted), {"runtimes": {
		"runc": [{"name": "runc", "version": "1.1.5+ds1"}],
		"kubelet": {"name": "kubelet", "version": "v1.22.0"},
	}})
	r := result("kmem.risk", fixed)
	r.status == "pass"
	contains(r.message, "(runc: safe, kubelet: safe, cgroups: none)")

	# kubelet 1.22 alone leaves seed 000's runc enabling kmem.
	status("kmem.risk", merge(seed000, {"runtimes": {"kubelet": {"name": "kubelet", "version": "v1.22.0"}}})) == "fail"
}

test_risk_pass_mitigated_and_nokmem_builds if {
	status("kmem.risk", mitigated) == "pass"
	status("kmem.risk", seed003_fixed) == "pass"
}

test_risk_unknown if {
	# versions enable kmem but the cmdline was not read.
	status("kmem.risk", merge(merge(seed000, rebooted), {"boot": {"nokmem": null}})) == "unknown"

	# kernel unknown
	status("kmem.risk", merge(seed000, {"kernel": {"family": null, "upstream": null, "release": null}})) == "unknown"
}

test_risk_not_applicable_only_without_v1_memory if {
	status("kmem.risk", ubuntu_v2) == "not_applicable"
	r := result("kmem.risk", ubuntu_v2)
	contains(r.message, "no cgroup v1 memory hierarchy")
}

test_risk_pass_unaffected_kernel_on_v1 if {
	# a cgroup v1 node whose kernel recycles memcg IDs is not exposed: pass, saying why.
	r := result("kmem.risk", upstream("4.19.0"))
	r.status == "pass"
	startswith(r.message, "not exposed: kernel 4.19.0")
	contains(r.message, "recycles memcg IDs")
	contains(r.message, "v1 memory hierarchy")

	# built without CONFIG_MEMCG_KMEM
	r2 := result("kmem.risk", merge(seed000, {"kernel": {"config": {"CONFIG_MEMCG_KMEM": "n"}}}))
	r2.status == "pass"
	contains(r2.message, "built without CONFIG_MEMCG_KMEM")
}

# ---------------------------------------------------------------- the leak has occurred

test_risk_fail_leak_occurred_kernel_log if {
	# seed 002 quotes neither the runtimes nor the cmdline, but its
	# /var/log/messages shows the leak: never unknown, never pass.
	r := result("kmem.risk", seed002_broken)
	r.status == "fail"
	contains(r.message, "the leak has occurred: kernel log (/var/log/messages): nf_conntrack_cache x2")
	contains(r.message, "in effect now: kmem accounting unknown")
	contains(r.remediation, "kubectl drain <node>")
	contains(r.remediation, "reboot")
	contains(r.remediation, "cgroup.memory=nokmem")
	r.evidence["derived.leak_seen"][0]
}

test_risk_fail_leak_occurred_even_when_mitigated_now if {
	# nokmem in effect and this boot's dmesg still shows SLUB failures:
	# mitigated for new cgroups, but what leaked stays until a reboot.
	s := merge(seed000, {"boot": {"nokmem": true}, "kmem": kmem_eio})
	r := result("kmem.risk", s)
	r.status == "fail"
	contains(r.message, "the leak has occurred: kernel log (dmesg)")
	contains(r.message, "cgroup.memory=nokmem in effect")
	endswith(r.message, "then shortest fix: nothing more: cgroup.memory=nokmem is in effect, the reboot clears what leaked")
	startswith(r.remediation, "kubectl drain <node> --ignore-daemonsets --delete-emptydir-data && reboot")
}

test_risk_fail_leak_occurred_headroom if {
	# memcg IDs at the cap, nothing in the log: the leak has occurred.
	s := merge(merge(seed000, rebooted), {"cgroup": {"memory_num_cgroups": 65513}, "boot": {"nokmem": true}, "kmem": kmem_eio})
	r := result("kmem.risk", s)
	r.status == "fail"
	contains(r.message, "the leak has occurred: memory num_cgroups 65513 is 100.0% of the 65535 memcg ID cap")
}

test_risk_old_messages_do_not_count_once_mitigated if {
	# /var/log/messages may predate the boot that applied nokmem.
	s := merge(merge(seed000, {"kernel_log": {"source": "/var/log/messages"}}), {"boot": {"nokmem": true}, "kmem": kmem_eio})
	status("kmem.risk", s) == "pass"
}

test_risk_no_leak_verdict_on_unaffected_kernel if {
	s := merge(upstream("4.19.0"), {"kernel_log": seed000.kernel_log, "cgroup": {"memory_num_cgroups": 65513}})
	status("kmem.risk", s) == "pass"
}

test_risk_pass_no_container_stack if {
	# a plain VM: affected kernel, nokmem missing, but nothing creates
	# kmem-accounted cgroups.
	r := result("kmem.risk", vm_noruntime)
	r.status == "pass"
	r.message == "kernel 3.10.0-1160.el7.x86_64 is a RHEL 7 kernel; memcg IDs leak, but not exposed: no container runtime or kubelet on this node (runc, docker, containerd and kubelet not found) and no kubepods or container cgroup, so nothing switches kmem accounting on; cgroup.memory=nokmem: not on the running cmdline"

	# a runtime probe that failed leaves it undecided
	status("kmem.risk", merge(vm_noruntime, unreadable("runc"))) == "unknown"
}

# ---------------------------------------------------------------- kernel families (docs/facts.md)

family(release, fam, up) := merge(merge(seed000, rebooted), {"kernel": {"release": release, "family": fam, "upstream": up}})

test_risk_kernel_families if {
	status("kmem.risk", family("3.10.0-1160.el7.x86_64", "rhel7", "3.10.0")) == "fail"
	status("kmem.risk", family("4.18.0-553.el8_10.x86_64", "rhel", "4.18.0")) == "pass"
	status("kmem.risk", family("4.1.12-124.48.6.el7uek.x86_64", "uek", "4.1.12")) == "fail"
	status("kmem.risk", family("4.14.35-2047.510.5.el7uek.x86_64", "uek", "4.14.35")) == "pass"
	status("kmem.risk", family("4.14.256-197.484.amzn2.x86_64", "amzn", "4.14.256")) == "pass"
	status("kmem.risk", family("4.4.0-210-generic", "ubuntu", "4.4.262")) == "pass"
	status("kmem.risk", family("4.4.0-31-generic", "ubuntu", "4.4.13")) == "fail"
	status("kmem.risk", family("3.16.0-11-amd64", "debian", "3.16.84")) == "fail"
	status("kmem.risk", family("4.19.0-27-amd64", "debian", "4.19.316")) == "pass"
	status("kmem.risk", family("4.12.14-122.37-default", "suse", "4.12.14")) == "pass"
	status("kmem.risk", family("5.4.278-1.el7.elrepo.x86_64", "upstream", "5.4.278")) == "pass"
}

test_risk_unknown_family_quotes_release if {
	r := result("kmem.risk", family("5.15.0-1025-custom-build", "unknown", null))
	r.status == "unknown"
	contains(r.message, `kernel family not recognised: release "5.15.0-1025-custom-build"`)
	k := result("kmem.kernel", family("5.15.0-1025-custom-build", "unknown", null))
	k.status == "unknown"
}
