# kmem.risk: the bottom line, and the single shortest fix for this node.
package kaudit.kmem

# runc / the kubelet will (re-)enable kmem on new cgroups, judged by version
# unless the evidence shows a nokmem build.
_runc_will_enable if {
	runc_presence == "present"
	runc_worst.verdict == "enables"
	runc_side != "neutralised"
}

_kubelet_will_enable if {
	kubelet_presence == "present"
	kubelet_verdict == "enables"
	kubelet_side != "neutralised"
}

# their versions (or builds) are fine: they will not enable kmem.
_runc_fine if runc_presence == "absent"

_runc_fine if {
	runc_presence == "present"
	runc_worst.verdict in {"safe", "explicit_only"}
}

_runc_fine if runc_side == "neutralised"

_kubelet_fine if kubelet_presence == "absent"

_kubelet_fine if kubelet_side == "neutralised"

_kubelet_fine if {
	kubelet_presence == "present"
	kubelet_verdict == "safe"
}

# risk_fix: the single shortest fix for a failing node.
risk_fix := {
	"fix": "reboot: cgroup.memory=nokmem is already persisted for the next boot",
	"remediation": concat("; ", ["reboot", _cmd_verify]),
} if {
	cmdline_nokmem == false
	nokmem_persisted_next
} else := {
	"fix": sprintf("%s ignores cgroup.memory=nokmem: stop runc and the kubelet enabling kmem (runc >= 1.0.0-rc94, kubelet >= 1.22 or nokmem builds) and reboot", [kernel_desc]),
	"remediation": concat("; ", [checks["kmem.runc"].remediation, checks["kmem.kubelet"].remediation, checks["kmem.kernel"].remediation]),
} if {
	nokmem_state == "ignored"
} else := {
	"fix": "reboot: runc and the kubelet no longer enable kmem, but the existing cgroups keep it",
	"remediation": concat("; ", ["kubectl drain <node> --ignore-daemonsets && reboot", "verify: cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)"]),
} if {
	_runc_fine
	_kubelet_fine
} else := {
	"fix": sprintf(`rebuild kubelet %s with -tags=nokmem (runc is already safe)`, [kubelet_version]),
	"remediation": checks["kmem.kubelet"].remediation,
} if {
	_runc_fine
	_kubelet_will_enable
	kubelet_nokmem_buildable
} else := {
	"fix": sprintf("upgrade runc %s to >= 1.0.0-rc94 (the kubelet is already safe)", [object.get(runc_worst.bin, "version", "?")]),
	"remediation": checks["kmem.runc"].remediation,
} if {
	_kubelet_fine
	_runc_will_enable
} else := {
	"fix": "boot with cgroup.memory=nokmem",
	"remediation": _fix_nokmem,
}

_nokmem_verified := sprintf("%d sampled cgroups read EIO", [inactive_count]) if {
	kmem_observed == "inactive"
} else := "not verified: no memory.kmem.slabinfo sampled"

# ---------------------------------------------------------------- the leak has occurred

# _leak_seen: what shows the leak already happened on this node (affected
# kernels only): leak signatures in the kernel log, memory cgroup IDs at the
# headroom limit. A /var/log/messages may span boots from before nokmem took
# effect, so with nokmem in effect only this boot's log (dmesg, journalctl)
# counts.
_leak_seen contains sprintf("kernel log (%s): %s; latest %s: %q", [_log_source, _sig_counts, _seen[0], one_line(object.get(_sigs[_seen[0]], "latest", ""))]) if {
	count(_seen) > 0
	_log_this_boot_or_unmitigated
}

_leak_seen contains sprintf("memory num_cgroups %d is %s of the %d memcg ID cap (fail at %s)", [_num, _pct(_num / memcg_id_max), memcg_id_max, _headroom_fail_pct]) if {
	_num >= _headroom_fail_n
}

_log_this_boot_or_unmitigated if _log_source in {"dmesg", "journalctl"}

_log_this_boot_or_unmitigated if nokmem_state != "in_effect"

leak_occurred if {
	affect == "affected"
	count(_leak_seen) > 0
}

_in_effect_now := sprintf("kmem accounting %s (%s), cgroup.memory=nokmem %s", [kmem_switch, _switch_detail, nokmem_desc])

_switch_detail := concat(", ", kmem_switch_why) if {
	kmem_switch == "on"
} else := sprintf("runc: %s, kubelet: %s, cgroups: %s", [runc_side, kubelet_side, kmem_observed])

_drain_reboot := "kubectl drain <node> --ignore-daemonsets --delete-emptydir-data && reboot (only a reboot frees the leaked memcg IDs and slab), then kubectl uncordon <node>"

# what prevents it coming back: nothing more when nokmem is in effect and
# nothing else switches kmem on, else the shortest fix.
_prevent := {"fix": "nothing more: cgroup.memory=nokmem is in effect, the reboot clears what leaked", "remediation": "verify after the reboot: cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)"} if {
	nokmem_state == "in_effect"
} else := {"fix": "nothing more: nothing switches kmem accounting on any longer, the reboot clears what leaked", "remediation": "verify after the reboot: cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)"} if {
	kmem_switch == "off"
} else := risk_fix

_leak_ev := object.union(_risk_ev, {"derived.leak_seen": sort([x | some x in _leak_seen])})

# ---------------------------------------------------------------- the verdict

r_risk := {"status": "not_applicable", "message": affect_desc, "evidence": _risk_ev, "remediation": ""} if {
	layout == "none"
} else := {"status": "pass", "message": sprintf("not exposed: %s; %s", [affect_desc, layout_desc]), "evidence": _risk_ev, "remediation": ""} if {
	affect == "unaffected"
} else := {"status": "unknown", "message": affect_desc, "evidence": _risk_ev, "remediation": ""} if {
	affect == "unknown"
} else := {"status": "fail", "message": sprintf("%s; the leak has occurred: %s; in effect now: %s; clear it: drain and reboot; then shortest fix: %s", [affect_desc, concat("; ", sort([x | some x in _leak_seen])), _in_effect_now, _prevent.fix]), "evidence": _leak_ev, "remediation": concat("; ", [_drain_reboot, _prevent.remediation])} if {
	leak_occurred
} else := {"status": "pass", "message": sprintf("%s, but mitigated: cgroup.memory=nokmem is in effect (%s)", [affect_desc, _nokmem_verified]), "evidence": _risk_ev, "remediation": ""} if {
	nokmem_state == "in_effect"
} else := {"status": "fail", "message": sprintf("%s; kmem accounting is or will be on (%s) and cgroup.memory=nokmem is not in effect (%s); shortest fix: %s", [affect_desc, concat(", ", kmem_switch_why), nokmem_desc, risk_fix.fix]), "evidence": _risk_ev, "remediation": risk_fix.remediation} if {
	kmem_switch == "on"
	nokmem_state in nokmem_off
} else := {"status": "pass", "message": sprintf("%s, but not exposed: %s, so nothing switches kmem accounting on; cgroup.memory=nokmem: %s", [affect_desc, no_container_stack_desc, nokmem_desc]), "evidence": _risk_ev, "remediation": ""} if {
	kmem_switch == "off"
	no_container_stack
} else := {"status": "pass", "message": sprintf("%s, but mitigated: nothing switches kmem accounting on (runc: %s, kubelet: %s, cgroups: %s); cgroup.memory=nokmem: %s", [affect_desc, runc_side, kubelet_side, kmem_observed, nokmem_desc]), "evidence": _risk_ev, "remediation": ""} if {
	kmem_switch == "off"
} else := {"status": "unknown", "message": sprintf("%s; cannot decide: kmem accounting %s (runc: %s, kubelet: %s, cgroups: %s), cgroup.memory=nokmem: %s", [affect_desc, kmem_switch, runc_side, kubelet_side, kmem_observed, nokmem_desc]), "evidence": _risk_ev, "remediation": ""}
