# kmem.accounting, kmem.runc, kmem.kubelet.
package kaudit.kmem_test

# ---------------------------------------------------------------- kmem.accounting

test_accounting_fail_seed003 if {
	r := result("kmem.accounting", seed003_active)
	r.status == "fail"
	startswith(r.message, "kmem accounting active in 2 and inactive (EIO) in 0 of the sampled cgroups (kubepods: active; containers: 1 active")
	r.evidence["kmem.kubepods.state"] == "active"
	contains(r.remediation, "cgroup.memory=nokmem")
}

test_accounting_pass_all_eio if {
	r := result("kmem.accounting", seed003_fixed)
	r.status == "pass"
	startswith(r.message, "kmem accounting active in 0 and inactive (EIO) in 2")
}

test_accounting_unknown if {
	# seed 000 quotes no memory.kmem.slabinfo
	r := result("kmem.accounting", seed000)
	r.status == "unknown"
	contains(r.message, "no readable memory.kmem.slabinfo")

	# no runtime found, but a probe failed, was not run, or a cgroup exists
	status("kmem.accounting", merge(vm_noruntime, unreadable("docker"))) == "unknown"
	status("kmem.accounting", json.remove(vm_noruntime, ["sources/containerd"])) == "unknown"
	status("kmem.accounting", merge(vm_noruntime, {"kmem": {"kubepods": {"state": "error", "error": "Permission denied"}}})) == "unknown"
	status("kmem.accounting", merge(vm_noruntime, {"kmem": {"containers_found": 3}})) == "unknown"
	status("kmem.accounting", json.remove(vm_noruntime, ["kmem/kubepods"])) == "unknown"
	status("kmem.accounting", merge(vm_noruntime, {"runtimes": {"docker": {"name": "docker", "version": "1.13.1"}}})) == "unknown"

	# unreadable slabinfo everywhere
	errs := merge(seed000, {"kmem": {"kubepods": {"path": "/sys/fs/cgroup/memory/kubepods", "state": "error", "error": "Permission denied"}, "containers_sampled": 2, "containers_error": 2}})
	status("kmem.accounting", errs) == "unknown"
}

test_accounting_not_applicable if {
	# a plain VM: no runc, docker, containerd or kubelet, no kubepods or container cgroup
	r := result("kmem.accounting", vm_noruntime)
	r.status == "not_applicable"
	r.message == "no container runtime or kubelet on this node (runc, docker, containerd and kubelet not found) and no kubepods or container cgroup: nothing creates kmem-accounted cgroups on kernel 3.10.0-1160.el7.x86_64"
	r.evidence["sources.runc.error"] == "absent"
	r.evidence["kmem.kubepods.state"] == "absent"

	status("kmem.accounting", ubuntu_v2) == "not_applicable"
	status("kmem.accounting", merge(seed003_active, {"kernel": {"release": "4.19.0", "family": "upstream", "upstream": "4.19.0"}})) == "not_applicable"
}

# ---------------------------------------------------------------- kmem.runc

runc(v, flavor) := {"name": "runc", "path": "/usr/bin/runc", "version": v, "flavor": flavor}

with_runc(base, bins) := merge(base, {"runtimes": {"runc": bins}})

test_runc_fail_seed000_docker_runc if {
	r := result("kmem.runc", seed000)
	r.status == "fail"
	startswith(r.message, "docker-runc 1.0.0-rc5+dev (/usr/bin/docker-runc) enables kmem accounting on every memory-limited cgroup")
	contains(r.message, "cgroup.memory=nokmem is not in effect (not on the running cmdline)")
	contains(r.remediation, "1.0.0-rc94")
	contains(r.remediation, `BUILDTAGS="seccomp nokmem"`)
}

test_runc_fail_seed003_rc10 if {
	status("kmem.runc", seed003_active) == "fail"
}

test_runc_fail_container_outside_kubepods_active if {
	# runc >= rc94 but docker/ cgroups still accounted (made before the upgrade)
	s := merge(with_runc(seed000, [runc("1.0.0-rc94", "upstream")]), {"kmem": {
		"containers": [{"path": "/sys/fs/cgroup/memory/docker/abc", "state": "active", "kind": "docker"}],
		"containers_sampled": 1, "containers_active": 1,
	}})
	r := result("kmem.runc", s)
	r.status == "fail"
	contains(r.message, "active in 1 of 1 sampled runc-made container cgroups")
}

test_runc_orderings if {
	status("kmem.runc", with_runc(seed000, [runc("1.0.0-rc9", "upstream")])) == "fail"
	status("kmem.runc", with_runc(seed000, [runc("1.0.0-rc10", "upstream")])) == "fail"
	status("kmem.runc", with_runc(seed000, [runc("1.0.0-rc93", "upstream")])) == "fail"
	status("kmem.runc", with_runc(seed000, [runc("1.0.0-rc3", "upstream")])) == "fail"
	status("kmem.runc", with_runc(seed000, [runc("1.0.0-rc2", "upstream")])) == "pass"
	status("kmem.runc", with_runc(seed000, [runc("1.0.0-rc94", "upstream")])) == "pass"
	status("kmem.runc", with_runc(seed000, [runc("1.0.0", "upstream")])) == "pass"
	status("kmem.runc", with_runc(seed000, [runc("1.1.5+ds1", "debian")])) == "pass"
	status("kmem.runc", with_runc(seed000, [runc("1.0.0~rc93+ds1-5", "debian")])) == "fail"
}

rhel_docker := {"name": "docker", "version": "1.13.1", "raw": "Docker version 1.13.1, build 07f3374/1.13.1"}

test_runc_projectatomic_explicit_only if {
	current := {"name": "docker-runc-current", "path": "/usr/libexec/docker/docker-runc-current", "version": "1.0.0-rc3", "flavor": "projectatomic"}
	r := result("kmem.runc", with_runc(merge(seed000, {"runtimes": {"docker": rhel_docker}}), [current]))
	r.status == "pass"
	contains(r.message, "projectatomic fork: kmem only with an explicit kernel-memory limit")

	# the same binary with docker's version not collected: its name decides.
	no_docker := merge(seed000, {"runtimes": {"docker": null}})
	status("kmem.runc", with_runc(no_docker, [current])) == "pass"
}

test_runc_fail_docker_ce_docker_runc_is_upstream if {
	# seed 000: docker 18.06.1-ce's docker-runc, flagged projectatomic by name.
	r := result("kmem.runc", seed000)
	r.status == "fail"
	contains(r.message, "docker 18.06.1-ce ships upstream runc as docker-runc")

	# a docker-runc with no docker version: judged as upstream, and said so.
	r2 := result("kmem.runc", merge(seed000, {"runtimes": {"docker": null}}))
	r2.status == "fail"
	contains(r2.message, "judged as upstream")
}

test_runc_systemd_driver_explicit_only if {
	r := result("kmem.runc", merge(seed000, {"runtimes": {"kubelet_cgroup_driver": "systemd"}}))
	r.status == "pass"
	contains(r.message, "systemd cgroup driver")
}

test_runc_worst_of_several if {
	bins := [
		runc("1.1.5+ds1", "debian"),
		{"name": "docker-runc-current", "path": "/usr/libexec/docker/docker-runc-current", "version": "1.0.0-rc2", "flavor": "projectatomic"},
		runc("1.0.0-rc10", "upstream"),
	]
	r := result("kmem.runc", with_runc(seed000, bins))
	r.status == "fail"
	startswith(r.message, "runc 1.0.0-rc10 (/usr/bin/runc) enables")
	contains(r.message, "3 runc binaries, the worst judged")
}

test_runc_pass_neutralised_by_evidence if {
	r := result("kmem.runc", seed003_fixed)
	r.status == "pass"
	contains(r.message, "neutralised: all 1 sampled runc-made container cgroups read EIO")
}

test_runc_pass_nokmem_in_effect if {
	r := result("kmem.runc", mitigated)
	r.status == "pass"
	contains(r.message, "neutralised: cgroup.memory=nokmem is in effect")
}

test_runc_container_below_accounted_kubepods_is_not_runc_evidence if {
	# a container below an accounted kubepods inherits kmem: not runc's doing,
	# and not evidence of a nokmem build either way.
	s := merge(with_runc(seed003_active, [runc("1.0.0-rc94", "upstream")]), {"boot": {"nokmem": false}})
	status("kmem.runc", s) == "pass"
}

test_runc_unknown if {
	status("kmem.runc", with_runc(seed000, [runc("unknown", "upstream")])) == "unknown"

	# the binary was found but its version could not be read
	nover := result("kmem.runc", with_runc(seed000, [{"name": "runc", "path": "/usr/bin/runc", "error": "timeout"}]))
	nover.status == "unknown"
	startswith(nover.message, "runc ? (/usr/bin/runc) did not answer --version in time (timeout")
	status("kmem.runc", merge(seed000, merge(unreadable("runc"), {"runtimes": {"runc": null}}))) == "unknown"
	no_cmdline := merge(seed000, {"boot": {"nokmem": null}})
	r := result("kmem.runc", no_cmdline)
	r.status == "unknown"
	contains(r.message, "whether cgroup.memory=nokmem is in effect is unknown")
}

test_runc_not_applicable if {
	status("kmem.runc", merge(seed000, {"runtimes": {"runc": []}, "sources": {"runc": absent}})) == "not_applicable"
	status("kmem.runc", ubuntu_v2) == "not_applicable"
}

# ---------------------------------------------------------------- kmem.kubelet

with_kubelet(base, v) := merge(base, {"runtimes": {"kubelet": {"name": "kubelet", "path": "/usr/bin/kubelet", "version": v}}})

test_kubelet_fail_seed000 if {
	r := result("kmem.kubelet", seed000)
	r.status == "fail"
	startswith(r.message, "kubelet v1.12.3 (1.8 <= v < 1.22) enables kmem accounting on pod cgroups on kernel 3.10.0-862.el7.x86_64")
	not contains(r.message, "systemd")
	contains(r.remediation, `make WHAT=cmd/kubelet GOFLAGS="-v -tags=nokmem"`)
}

test_kubelet_fail_systemd_nuance if {
	r := result("kmem.kubelet", merge(seed000, {"runtimes": {"kubelet_cgroup_driver": "systemd"}}))
	r.status == "fail"
	contains(r.message, "systemd cgroup driver libcontainer (rc3-rc93) enables kmem only for an explicit limit (medium confidence")
}

test_kubelet_fail_seed003_kubepods_active if {
	r := result("kmem.kubelet", seed003_active)
	r.status == "fail"
	contains(r.message, "kubepods memory.kmem.slabinfo (/sys/fs/cgroup/memory/kubepods) is readable")
}

test_kubelet_fail_upgraded_but_not_rebooted if {
	r := result("kmem.kubelet", with_kubelet(seed003_active, "v1.22.0"))
	r.status == "fail"
	contains(r.message, "keep it until a reboot")
}

test_kubelet_orderings if {
	status("kmem.kubelet", with_kubelet(seed000, "v1.7.16")) == "pass"
	status("kmem.kubelet", with_kubelet(seed000, "v1.8.0")) == "fail"
	status("kmem.kubelet", with_kubelet(seed000, "v1.15.5")) == "fail"
	status("kmem.kubelet", with_kubelet(seed000, "v1.21.14")) == "fail"
	status("kmem.kubelet", with_kubelet(seed000, "v1.22.0-rc.0")) == "fail"
	status("kmem.kubelet", with_kubelet(seed000, "1.22.0")) == "pass"
	status("kmem.kubelet", with_kubelet(seed000, "v1.28.2")) == "pass"
}

test_kubelet_pass_neutralised_nokmem_build if {
	r := result("kmem.kubelet", seed003_fixed)
	r.status == "pass"
	contains(r.message, "kubelet v1.15.5 neutralised: kubepods memory.kmem.slabinfo (/sys/fs/cgroup/memory/kubepods) reads EIO")
}

test_kubelet_pass_nokmem_in_effect if {
	status("kmem.kubelet", mitigated) == "pass"
}

test_kubelet_unknown if {
	status("kmem.kubelet", with_kubelet(seed000, "Kubernetes")) == "unknown"
	status("kmem.kubelet", merge(seed000, merge(unreadable("kubelet"), {"runtimes": {"kubelet": null}}))) == "unknown"
	status("kmem.kubelet", merge(seed000, {"boot": {"nokmem": null}})) == "unknown"
}

test_kubelet_not_applicable if {
	status("kmem.kubelet", merge(seed000, {"runtimes": {"kubelet": null}, "sources": {"kubelet": absent}})) == "not_applicable"
	status("kmem.kubelet", ubuntu_v2) == "not_applicable"
}

test_runc_timed_out_is_unknown_naming_the_timeout if {
	r := result("kmem.runc", merge(seed003_active, {"runtimes": object.union(seed003_active.runtimes, {"runc": [{"path": "/usr/bin/runc", "raw": "kaudit: timed out after 5s", "error": "timeout"}]})}))
	r.status == "unknown"
	contains(r.message, "did not answer --version in time (timeout")
}

# a cut runc --version section (timed out, truncated, not forked) is not
# judged, as a missing one: unknown naming it, never pass on the cmdline, the
# sampled cgroups or another binary; a fail on complete evidence stands.
test_runc_cut_section_never_passes if {
	cut := {"timeout": "did not answer --version in time (timeout", "truncated": "(truncated)", "fork": "(fork failed"}
	every err, why in cut {
		bin := {"name": "runc", "path": "/usr/bin/runc", "raw": "runc version 1.1.12", "error": err}
		every base in [seed003_fixed, mitigated, seed000, seed003_active] {
			r := result("kmem.runc", with_runc(base, [bin]))
			r.status == "unknown"
			startswith(r.message, "runc ? (/usr/bin/runc) ")
			contains(r.message, why)
		}

		# a safe binary beside the cut one does not pass either
		two := result("kmem.runc", with_runc(seed003_fixed, [runc("1.1.12", "upstream"), bin]))
		two.status == "unknown"
		contains(two.message, "2 runc binaries")

		# the same node with the section missing is unknown too
		status("kmem.runc", merge(seed003_fixed, merge(unreadable("runc"), {"runtimes": {"runc": null}}))) == "unknown"

		# kmem seen active in runc-made cgroups, or another binary enabling
		# it without nokmem: fail stands
		active := merge(with_runc(seed000, [bin]), {"kmem": {
			"containers": [{"path": "/sys/fs/cgroup/memory/docker/abc", "state": "active", "kind": "docker"}],
			"containers_sampled": 1, "containers_active": 1,
		}})
		status("kmem.runc", active) == "fail"
		status("kmem.runc", with_runc(seed000, [runc("1.0.0-rc10", "upstream"), bin])) == "fail"
	}
}
