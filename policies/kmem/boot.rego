# kmem.kernel, kmem.nokmem_boot, kmem.boot_drift, kmem.memcg_disabled.
package kaudit.kmem

import data.kaudit.lib.version

# ---------------------------------------------------------------- kmem.kernel

_rhel7_pre_slab_fix if {
	input.kernel.family == "rhel7"
	version.compare("rpm", input.kernel.release, thresholds.rhel7_slab_fix) < 0
}

_kernel_extra := sprintf("; it also predates the slab crash fix (%s)", [thresholds.rhel7_slab_fix]) if {
	_rhel7_pre_slab_fix
} else := ""

r_kernel := {"status": "not_applicable", "message": affect_desc, "evidence": affect_evidence, "remediation": ""} if {
	layout == "none"
} else := {"status": "fail", "message": concat("", [affect_desc, _kernel_extra]), "evidence": affect_evidence, "remediation": checks["kmem.kernel"].remediation} if {
	kernel_state == "affected"
} else := {"status": "pass", "message": affect_desc, "evidence": affect_evidence, "remediation": ""} if {
	kernel_state in {"fixed", "no_kmem"}
} else := {"status": "unknown", "message": affect_desc, "evidence": affect_evidence, "remediation": ""}

# ---------------------------------------------------------------- kmem.nokmem_boot

# whether runtime mitigations keep kmem off while nokmem is missing.
_coverage := sprintf("nothing switches kmem on meanwhile: %s", [no_container_stack_desc]) if {
	no_container_stack
} else := sprintf("runtime mitigations cover the node meanwhile (runc: %s, kubelet: %s)", [runc_side, kubelet_side]) if {
	kmem_switch == "off"
} else := sprintf("nothing else keeps kmem off: %s", [concat(", ", kmem_switch_why)]) if {
	kmem_switch == "on"
} else := sprintf("whether runc and the kubelet keep kmem off is unknown (runc: %s, kubelet: %s)", [runc_side, kubelet_side])

r_nokmem_boot := {"status": "not_applicable", "message": affect_desc, "evidence": affect_evidence, "remediation": ""} if {
	affect == "unaffected"
} else := {"status": "unknown", "message": affect_desc, "evidence": affect_evidence, "remediation": ""} if {
	affect == "unknown"
} else := {"status": "unknown", "message": sprintf("running kernel command line not read (%s)", [src_note("cmdline")]), "evidence": _nokmem_ev, "remediation": ""} if {
	cmdline_nokmem == "unknown"
} else := {"status": "fail", "message": sprintf("cgroup.memory=nokmem is on the running cmdline but %s ignores it: kmem accounting is still on (%s)", [kernel_desc, concat(", ", kmem_switch_why)]), "evidence": _nokmem_ev, "remediation": concat("; ", [checks["kmem.runc"].remediation, checks["kmem.kubelet"].remediation, checks["kmem.kernel"].remediation])} if {
	nokmem_state == "ignored"
	kmem_seen
} else := {"status": "fail", "message": sprintf("cgroup.memory=nokmem is on the running cmdline but %s predates it for cgroup v1 (~%s): unknown dotted boot options are silently ignored", [kernel_desc, thresholds.kernel_nokmem_v1]), "evidence": _nokmem_ev, "remediation": checks["kmem.kernel"].remediation} if {
	nokmem_state == "ignored"
} else := {"status": "pass", "message": sprintf("cgroup.memory=nokmem is on the running cmdline and %d sampled cgroups read EIO (kmem accounting off)", [inactive_count]), "evidence": _nokmem_ev, "remediation": ""} if {
	cmdline_nokmem == true
	kmem_observed == "inactive"
} else := {"status": "unknown", "message": sprintf("cgroup.memory=nokmem is on the running cmdline of %s, but RHEL 7 support for it is unconfirmed (reported from 3.10.0-1062) and no memory.kmem.slabinfo was sampled to verify it (kubepods: %s)", [kernel_desc, kubepods_state]), "evidence": _nokmem_ev, "remediation": _cmd_verify} if {
	cmdline_nokmem == true
	input.kernel.family == "rhel7"
} else := {"status": "pass", "message": sprintf("cgroup.memory=nokmem is on the running cmdline of %s, which honours it (>= ~%s); no cgroup was sampled to confirm", [kernel_desc, thresholds.kernel_nokmem_v1]), "evidence": _nokmem_ev, "remediation": ""} if {
	cmdline_nokmem == true
} else := {"status": "fail", "message": sprintf("cgroup.memory=nokmem is not on the running cmdline of %s; %s", [kernel_desc, _coverage]), "evidence": _nokmem_ev, "remediation": checks["kmem.nokmem_boot"].remediation} if {
	cmdline_nokmem == false
} else := {"status": "unknown", "message": "cannot judge cgroup.memory=nokmem", "evidence": _nokmem_ev, "remediation": ""}

# ---------------------------------------------------------------- kmem.boot_drift

_flags := {"cgroup.memory=nokmem": "nokmem", "cgroup_disable=memory": "memcg_disabled"}

# drift[flag]: the relevant persisted entries that disagree with the running
# cmdline about flag.
drift[name] := entries if {
	some name, field in _flags
	running := input.boot[field]
	is_boolean(running)
	entries := [p |
		some p in boot_relevant
		object.get(p, field, false) != running
	]
	count(entries) > 0
}

_entry_desc(p) := sprintf("%s %s (%s)", [object.get(p, "kind", "?"), object.get(p, "source", "?"), p.entry]) if {
	p.entry != ""
} else := sprintf("%s %s", [object.get(p, "kind", "?"), object.get(p, "source", "?")])

_drift_case(name) := "reboot pending" if {
	input.boot[_flags[name]] == false
	some p in drift[name]
	p.kind != "default_grub"
} else := "only in /etc/default/grub: grub2-mkconfig not run, the next boot will not have it" if {
	input.boot[_flags[name]] == false
} else := "not persisted: lost at the next boot or kernel update"

_drift_line(name) := sprintf("%s is in %s but not on the running cmdline: %s", [name, concat(", ", [_entry_desc(p) | some p in drift[name]]), _drift_case(name)]) if {
	input.boot[_flags[name]] == false
} else := sprintf("%s is on the running cmdline but not in %s: %s", [name, concat(", ", [_entry_desc(p) | some p in drift[name]]), _drift_case(name)])

_drift_fix(name) := "reboot" if {
	_drift_case(name) == "reboot pending"
} else := "grub2-mkconfig -o /boot/grub2/grub.cfg && reboot" if {
	input.boot[_flags[name]] == false
} else := _cmd_nokmem_grub if {
	name == "cgroup.memory=nokmem"
} else := `sed -i '/^GRUB_CMDLINE_LINUX=/ s/"$/ cgroup_disable=memory"/' /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg (or grubby --update-kernel=ALL --args=cgroup_disable=memory)`

r_boot_drift := {"status": "unknown", "message": sprintf("running kernel command line not read (%s)", [src_note("cmdline")]), "evidence": _drift_ev, "remediation": ""} if {
	cmdline_nokmem == "unknown"
} else := {"status": "not_applicable", "message": "no boot loader configuration on this host (no /etc/default/grub, grub.cfg, BLS entries, grubenv or grubby)", "evidence": _drift_ev, "remediation": ""} if {
	no_bootloader
} else := {"status": "unknown", "message": sprintf("no persisted default boot entry found (%s)", [concat("; ", [src_note(s) | some s in boot_sections])]), "evidence": _drift_ev, "remediation": ""} if {
	count(boot_relevant) == 0
} else := {"status": "fail", "message": concat("; ", [_drift_line(name) | some name, _ in drift]), "evidence": _drift_ev, "remediation": concat("; ", {_drift_fix(name) | some name, _ in drift})} if {
	count(drift) > 0
} else := {"status": "pass", "message": sprintf("running cmdline and %d persisted boot entries agree (cgroup.memory=nokmem: %v, cgroup_disable=memory: %v)", [count(boot_relevant), input.boot.nokmem, object.get(input.boot, "memcg_disabled", false)]), "evidence": _drift_ev, "remediation": ""}

# ---------------------------------------------------------------- kmem.memcg_disabled

r_memcg_disabled := {"status": "not_applicable", "message": sprintf("no kubelet on this node (cgroup_disable=memory: %v)", [object.get(input, ["boot", "memcg_disabled"], "unknown")]), "evidence": _md_ev, "remediation": ""} if {
	kubelet_presence == "absent"
} else := {"status": "fail", "message": sprintf("cgroup_disable=memory is on the running cmdline of a node that runs kubelet %s: the memory controller is gone and pod memory limits are not enforced", [kubelet_version]), "evidence": _md_ev, "remediation": checks["kmem.memcg_disabled"].remediation} if {
	input.boot.memcg_disabled == true
	kubelet_presence == "present"
} else := {"status": "pass", "message": "cgroup_disable=memory is not on the running cmdline", "evidence": _md_ev, "remediation": ""} if {
	input.boot.memcg_disabled == false
} else := {"status": "unknown", "message": sprintf("cgroup_disable=memory is on the running cmdline; whether a kubelet runs is unknown (%s)", [src_note("kubelet")]), "evidence": _md_ev, "remediation": ""} if {
	input.boot.memcg_disabled == true
} else := {"status": "unknown", "message": sprintf("running kernel command line not read (%s)", [src_note("cmdline")]), "evidence": _md_ev, "remediation": ""}
