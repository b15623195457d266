# kmem.accounting, kmem.runc, kmem.kubelet.
package kaudit.kmem

import data.kaudit.lib.version

# ---------------------------------------------------------------- kmem.accounting

r_accounting := {"status": "not_applicable", "message": affect_desc, "evidence": _acc_ev, "remediation": ""} if {
	affect == "unaffected"
} else := {"status": "unknown", "message": sprintf("%s; %s", [affect_desc, accounting_desc]), "evidence": _acc_ev, "remediation": ""} if {
	affect == "unknown"
} else := {"status": "fail", "message": sprintf("%s on %s", [accounting_desc, kernel_desc]), "evidence": _acc_ev, "remediation": checks["kmem.accounting"].remediation} if {
	kmem_observed == "active"
} else := {"status": "pass", "message": accounting_desc, "evidence": _acc_ev, "remediation": ""} if {
	kmem_observed == "inactive"
} else := {"status": "not_applicable", "message": sprintf("%s: nothing creates kmem-accounted cgroups on %s", [no_container_stack_desc, kernel_desc]), "evidence": _no_stack_ev, "remediation": ""} if {
	no_container_stack
} else := {"status": "unknown", "message": sprintf("no readable memory.kmem.slabinfo (kubepods: %s, %d container cgroups sampled; %s)", [kubepods_state, kmem_counts.containers_sampled, src_note("kmem")]), "evidence": _acc_ev, "remediation": ""}

# ---------------------------------------------------------------- kmem.runc

_runc_many := sprintf("; %d runc binaries, the worst judged: %s", [count(_runc_bins), runc_all_desc]) if {
	count(_runc_bins) > 1
} else := ""

_runc_head := sprintf("%s %s", [runc_worst.desc, runc_verdict_desc])

_runc_msg(tail) := concat("", [_runc_head, tail, _runc_many])

r_runc := {"status": "not_applicable", "message": "no runc binary found", "evidence": _runc_ev, "remediation": ""} if {
	runc_presence == "absent"
} else := {"status": "unknown", "message": sprintf("runc not probed (%s)", [src_note("runc")]), "evidence": _runc_ev, "remediation": ""} if {
	runc_presence == "unknown"
} else := {"status": "not_applicable", "message": _runc_msg(sprintf("; but %s", [affect_desc])), "evidence": _runc_ev, "remediation": ""} if {
	affect == "unaffected"
} else := {"status": "unknown", "message": _runc_msg(sprintf("; %s", [affect_desc])), "evidence": _runc_ev, "remediation": ""} if {
	affect == "unknown"
} else := {"status": "unknown", "message": concat("", [_runc_cut_msg, "; not judged: a cut --version section never yields pass", _runc_many]), "evidence": _runc_ev, "remediation": ""} if {
	count(_runc_cut_bins) > 0
	not _runc_fails
} else := {"status": "pass", "message": _runc_msg("; neutralised: cgroup.memory=nokmem is in effect"), "evidence": _runc_ev, "remediation": ""} if {
	nokmem_state == "in_effect"
} else := {"status": "fail", "message": _runc_msg(sprintf("; kmem accounting is active in %d of %d sampled runc-made container cgroups on %s", [runc_sample_active, runc_sample_active + runc_sample_inactive, kernel_desc])), "evidence": _runc_ev, "remediation": checks["kmem.runc"].remediation} if {
	runc_side == "active"
} else := {"status": "pass", "message": _runc_msg(sprintf("; neutralised: all %d sampled runc-made container cgroups read EIO (a nokmem build or kmem not enabled)", [runc_sample_inactive])), "evidence": _runc_ev, "remediation": ""} if {
	runc_side == "neutralised"
} else := {"status": "fail", "message": _runc_msg(sprintf(" on %s and cgroup.memory=nokmem is not in effect (%s); no container cgroup sampled shows a nokmem build", [kernel_desc, nokmem_desc])), "evidence": _runc_ev, "remediation": checks["kmem.runc"].remediation} if {
	runc_side == "enables"
	nokmem_state in nokmem_off
} else := {"status": "unknown", "message": _runc_msg(sprintf(" on %s; whether cgroup.memory=nokmem is in effect is unknown (%s)", [kernel_desc, src_note("cmdline")])), "evidence": _runc_ev, "remediation": ""} if {
	runc_side == "enables"
} else := {"status": "unknown", "message": _runc_msg(""), "evidence": _runc_ev, "remediation": ""} if {
	runc_side == "unknown"
} else := {"status": "pass", "message": _runc_msg(""), "evidence": _runc_ev, "remediation": ""} if {
	runc_side in {"safe", "explicit_only"}
} else := {"status": "unknown", "message": sprintf("cannot judge runc (%s)", [runc_side]), "evidence": _runc_ev, "remediation": ""}

# A runc binary whose `--version` section was cut (timed out, truncated at
# the cap, or not started: fork failed) is not judged, as if the section were
# missing: kmem.runc is unknown naming it, never pass on the other binaries,
# the cmdline or the sampled cgroups. Only a fail stands beside it: kmem
# accounting seen active in runc-made cgroups, or another binary that enables
# it without nokmem in effect.
_runc_cut_errors := {"timeout", "truncated", "fork"}

_runc_cut_bins := [b | some b in _runc_bins; is_object(b); b.error in _runc_cut_errors]

_runc_cut_why(b) := "did not answer --version in time (timeout: killed by the collector's timer; the node may be overloaded)" if {
	b.error == "timeout"
} else := "printed more than the collector's cap for --version (truncated)" if {
	b.error == "truncated"
} else := "could not be started for --version (fork failed: process limit?)"

_runc_cut_msg := concat("; ", [sprintf("%s %s", [runc_bin_desc(b), _runc_cut_why(b)]) | some b in _runc_cut_bins])

_runc_fails if {
	nokmem_state != "in_effect"
	runc_side == "active"
}

_runc_fails if {
	runc_side == "enables"
	nokmem_state in nokmem_off
}

# ---------------------------------------------------------------- kmem.kubelet

_kubelet_range := sprintf("kubelet %s (%s <= v < %s) enables kmem accounting on pod cgroups", [kubelet_version, thresholds.kubelet_enables, thresholds.kubelet_safe])

_systemd_nuance := "; with the systemd cgroup driver libcontainer (rc3-rc93) enables kmem only for an explicit limit (medium confidence: code-derived, untested), so kubepods.slice/memory.kmem.slabinfo decides" if {
	input.runtimes.kubelet_cgroup_driver == "systemd"
} else := ""

_kubelet_safe_desc := sprintf("kubelet %s (>= %s) no longer enables kmem accounting", [kubelet_version, thresholds.kubelet_safe]) if {
	_kubelet_cmp[0] >= 0
} else := sprintf("kubelet %s predates kmem accounting on pod cgroups (< %s)", [kubelet_version, thresholds.kubelet_enables])

r_kubelet := {"status": "not_applicable", "message": "no kubelet found", "evidence": _kubelet_ev, "remediation": ""} if {
	kubelet_presence == "absent"
} else := {"status": "unknown", "message": sprintf("kubelet not probed (%s)", [src_note("kubelet")]), "evidence": _kubelet_ev, "remediation": ""} if {
	kubelet_presence == "unknown"
} else := {"status": "not_applicable", "message": sprintf("kubelet %s not judged: %s", [kubelet_version, affect_desc]), "evidence": _kubelet_ev, "remediation": ""} if {
	affect == "unaffected"
} else := {"status": "unknown", "message": sprintf("kubelet %s: %s", [kubelet_version, affect_desc]), "evidence": _kubelet_ev, "remediation": ""} if {
	affect == "unknown"
} else := {"status": "pass", "message": sprintf("kubelet %s neutralised: cgroup.memory=nokmem is in effect", [kubelet_version]), "evidence": _kubelet_ev, "remediation": ""} if {
	nokmem_state == "in_effect"
} else := {"status": "fail", "message": sprintf("kubelet %s: kubepods memory.kmem.slabinfo (%s) is readable, kmem accounting is active on %s; the kubelet no longer enables it, so pod cgroups created before the upgrade keep it until a reboot", [kubelet_version, object.get(input.kmem.kubepods, "path", "kubepods"), kernel_desc]), "evidence": _kubelet_ev, "remediation": "drain the node and reboot it so the pod cgroups are recreated without kmem"} if {
	kubelet_side == "active"
	kubelet_verdict == "safe"
} else := {"status": "fail", "message": sprintf("kubelet %s: kubepods memory.kmem.slabinfo (%s) is readable, kmem accounting is active on %s", [kubelet_version, object.get(input.kmem.kubepods, "path", "kubepods"), kernel_desc]), "evidence": _kubelet_ev, "remediation": checks["kmem.kubelet"].remediation} if {
	kubelet_side == "active"
} else := {"status": "pass", "message": sprintf("kubelet %s neutralised: kubepods memory.kmem.slabinfo (%s) reads EIO (a -tags=nokmem build or kmem not enabled)", [kubelet_version, object.get(input.kmem.kubepods, "path", "kubepods")]), "evidence": _kubelet_ev, "remediation": ""} if {
	kubelet_side == "neutralised"
} else := {"status": "pass", "message": _kubelet_safe_desc, "evidence": _kubelet_ev, "remediation": ""} if {
	kubelet_side == "safe"
} else := {"status": "unknown", "message": sprintf("kubelet version %q unparseable (%s)", [kubelet_version, src_note("kubelet")]), "evidence": _kubelet_ev, "remediation": ""} if {
	kubelet_side == "unknown"
} else := {"status": "fail", "message": sprintf("%s on %s and cgroup.memory=nokmem is not in effect (%s); kubepods: %s%s", [_kubelet_range, kernel_desc, nokmem_desc, kubepods_state, _systemd_nuance]), "evidence": _kubelet_ev, "remediation": checks["kmem.kubelet"].remediation} if {
	kubelet_side == "enables"
	nokmem_state in nokmem_off
} else := {"status": "unknown", "message": sprintf("%s on %s; whether cgroup.memory=nokmem is in effect is unknown (%s)%s", [_kubelet_range, kernel_desc, src_note("cmdline"), _systemd_nuance]), "evidence": _kubelet_ev, "remediation": ""}
