# kmem.accounting, kmem.runc, kmem.kubelet.
package kaudit.kmem

# ---------------------------------------------------------------- kmem.accounting

_acc_ev := object.union(affect_evidence, kmem_evidence)

r_accounting := res("kmem.accounting", "not_applicable", affect_desc, _acc_ev, "") if {
	affect == "unaffected"
} else := res("kmem.accounting", "unknown", sprintf("%s; %s", [affect_desc, accounting_desc]), _acc_ev, "") if {
	affect == "unknown"
} else := res("kmem.accounting", "fail", sprintf("%s on %s", [accounting_desc, kernel_desc]), _acc_ev, checks["kmem.accounting"].remediation) if {
	kmem_observed == "active"
} else := res("kmem.accounting", "pass", accounting_desc, _acc_ev, "") if {
	kmem_observed == "inactive"
} else := res("kmem.accounting", "not_applicable", sprintf("%s: nothing creates kmem-accounted cgroups on %s", [no_container_stack_desc, kernel_desc]), object.union(_acc_ev, _no_stack_ev), "") if {
	no_container_stack
} else := res("kmem.accounting", "unknown", sprintf("no readable memory.kmem.slabinfo (kubepods: %s, %d container cgroups sampled; %s)", [kubepods_state, _n(["kmem", "containers_sampled"]), src_note("kmem")]), _acc_ev, "")

_no_stack_ev := {sprintf("sources.%s.error", [s]): object.get(input.sources, [s, "error"], null) | some s in ["runc", "docker", "containerd", "kubelet"]}

# ---------------------------------------------------------------- kmem.runc

_runc_ev := object.union(object.union(affect_evidence, runc_evidence), {"boot.nokmem": object.get(input, ["boot", "nokmem"], null)})

_runc_many := sprintf("; %d runc binaries, the worst judged: %s", [count(_runc_bins), runc_all_desc]) if {
	count(_runc_bins) > 1
} else := ""

_runc_head := sprintf("%s %s", [runc_bin_desc(runc_worst.bin), runc_verdict_desc])

_runc_msg(tail) := concat("", [_runc_head, tail, _runc_many])

r_runc := res("kmem.runc", "not_applicable", "no runc binary found", _runc_ev, "") if {
	runc_presence == "absent"
} else := res("kmem.runc", "unknown", sprintf("runc not probed (%s)", [src_note("runc")]), _runc_ev, "") if {
	runc_presence == "unknown"
} else := res("kmem.runc", "not_applicable", _runc_msg(sprintf("; but %s", [affect_desc])), _runc_ev, "") if {
	affect == "unaffected"
} else := res("kmem.runc", "unknown", _runc_msg(sprintf("; %s", [affect_desc])), _runc_ev, "") if {
	affect == "unknown"
} else := res("kmem.runc", "pass", _runc_msg("; neutralised: cgroup.memory=nokmem is in effect"), _runc_ev, "") if {
	nokmem_state == "in_effect"
} else := res("kmem.runc", "fail", _runc_msg(sprintf("; kmem accounting is active in %d of %d sampled runc-made container cgroups on %s", [runc_sample_active, runc_sample_active + runc_sample_inactive, kernel_desc])), _runc_ev, checks["kmem.runc"].remediation) if {
	runc_side == "active"
} else := res("kmem.runc", "pass", _runc_msg(sprintf("; neutralised: all %d sampled runc-made container cgroups read EIO (a nokmem build or kmem not enabled)", [runc_sample_inactive])), _runc_ev, "") if {
	runc_side == "neutralised"
} else := res("kmem.runc", "fail", _runc_msg(sprintf(" on %s and cgroup.memory=nokmem is not in effect (%s); no container cgroup sampled shows a nokmem build", [kernel_desc, nokmem_desc])), _runc_ev, checks["kmem.runc"].remediation) if {
	runc_side == "enables"
	nokmem_state in nokmem_off
} else := res("kmem.runc", "unknown", _runc_msg(sprintf(" on %s; whether cgroup.memory=nokmem is in effect is unknown (%s)", [kernel_desc, src_note("cmdline")])), _runc_ev, "") if {
	runc_side == "enables"
} else := res("kmem.runc", "unknown", _runc_msg(""), _runc_ev, "") if {
	runc_side == "unknown"
} else := res("kmem.runc", "pass", _runc_msg(""), _runc_ev, "") if {
	runc_side in {"safe", "explicit_only"}
} else := res("kmem.runc", "unknown", sprintf("cannot judge runc (%s)", [runc_side]), _runc_ev, "")

# ---------------------------------------------------------------- kmem.kubelet

_kubelet_ev := object.union(object.union(affect_evidence, kubelet_evidence), {"boot.nokmem": object.get(input, ["boot", "nokmem"], null)})

_kubelet_range := sprintf("kubelet %s (%s <= v < %s) enables kmem accounting on pod cgroups", [kubelet_version, thresholds.kubelet_enables, thresholds.kubelet_safe])

_systemd_nuance := "; with the systemd cgroup driver libcontainer (rc3-rc93) enables kmem only for an explicit limit (medium confidence: code-derived, untested), so kubepods.slice/memory.kmem.slabinfo decides" if {
	input.runtimes.kubelet_cgroup_driver == "systemd"
} else := ""

_kubelet_safe_desc := sprintf("kubelet %s (>= %s) no longer enables kmem accounting", [kubelet_version, thresholds.kubelet_safe]) if {
	_vcmp("kubelet", kubelet_version, thresholds.kubelet_safe) >= 0
} else := sprintf("kubelet %s predates kmem accounting on pod cgroups (< %s)", [kubelet_version, thresholds.kubelet_enables])

r_kubelet := res("kmem.kubelet", "not_applicable", "no kubelet found", _kubelet_ev, "") if {
	kubelet_presence == "absent"
} else := res("kmem.kubelet", "unknown", sprintf("kubelet not probed (%s)", [src_note("kubelet")]), _kubelet_ev, "") if {
	kubelet_presence == "unknown"
} else := res("kmem.kubelet", "not_applicable", sprintf("kubelet %s not judged: %s", [kubelet_version, affect_desc]), _kubelet_ev, "") if {
	affect == "unaffected"
} else := res("kmem.kubelet", "unknown", sprintf("kubelet %s: %s", [kubelet_version, affect_desc]), _kubelet_ev, "") if {
	affect == "unknown"
} else := res("kmem.kubelet", "pass", sprintf("kubelet %s neutralised: cgroup.memory=nokmem is in effect", [kubelet_version]), _kubelet_ev, "") if {
	nokmem_state == "in_effect"
} else := res("kmem.kubelet", "fail", sprintf("kubelet %s: kubepods memory.kmem.slabinfo (%s) is readable, kmem accounting is active on %s; the kubelet no longer enables it, so pod cgroups created before the upgrade keep it until a reboot", [kubelet_version, object.get(input.kmem.kubepods, "path", "kubepods"), kernel_desc]), _kubelet_ev, "drain the node and reboot it so the pod cgroups are recreated without kmem") if {
	kubelet_side == "active"
	kubelet_verdict == "safe"
} else := res("kmem.kubelet", "fail", sprintf("kubelet %s: kubepods memory.kmem.slabinfo (%s) is readable, kmem accounting is active on %s", [kubelet_version, object.get(input.kmem.kubepods, "path", "kubepods"), kernel_desc]), _kubelet_ev, checks["kmem.kubelet"].remediation) if {
	kubelet_side == "active"
} else := res("kmem.kubelet", "pass", sprintf("kubelet %s neutralised: kubepods memory.kmem.slabinfo (%s) reads EIO (a -tags=nokmem build or kmem not enabled)", [kubelet_version, object.get(input.kmem.kubepods, "path", "kubepods")]), _kubelet_ev, "") if {
	kubelet_side == "neutralised"
} else := res("kmem.kubelet", "pass", _kubelet_safe_desc, _kubelet_ev, "") if {
	kubelet_side == "safe"
} else := res("kmem.kubelet", "unknown", sprintf("kubelet version %q unparseable (%s)", [kubelet_version, src_note("kubelet")]), _kubelet_ev, "") if {
	kubelet_side == "unknown"
} else := res("kmem.kubelet", "fail", sprintf("%s on %s and cgroup.memory=nokmem is not in effect (%s); kubepods: %s%s", [_kubelet_range, kernel_desc, nokmem_desc, kubepods_state, _systemd_nuance]), _kubelet_ev, checks["kmem.kubelet"].remediation) if {
	kubelet_side == "enables"
	nokmem_state in nokmem_off
} else := res("kmem.kubelet", "unknown", sprintf("%s on %s; whether cgroup.memory=nokmem is in effect is unknown (%s)%s", [_kubelet_range, kernel_desc, src_note("cmdline"), _systemd_nuance]), _kubelet_ev, "")
