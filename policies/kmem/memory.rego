# kmem.memcg_headroom, kmem.memcg_zombies, kmem.kernel_log,
# kmem.slab_pressure, kmem.fragmentation.
package kaudit.kmem

_rhel_count_note := "; on RHEL 3.10 num_cgroups drops at rmdir while the ID stays held, so the count under-reports (kubernetes#61937)" if {
	input.kernel.family == "rhel7"
} else := ""

# ---------------------------------------------------------------- kmem.memcg_headroom

_num := n if {
	n := input.cgroup.memory_num_cgroups
	is_number(n)
}

_enospc := s if {
	s := input.kernel_log.signatures.cgroup_enospc
	s.count > 0
}

# the params as counts and percentages (constant: the engine computes them once).
_headroom_fail_n := params.memcg_headroom_fail * memcg_id_max

_headroom_warn_n := params.memcg_headroom_warn * memcg_id_max

_headroom_fail_pct := _pct(params.memcg_headroom_fail)

_headroom_warn_pct := _pct(params.memcg_headroom_warn)

_slab_fail_pct := _pct(params.slab_unreclaim_fail)

# _pct(0.42025) == "42.0%": one decimal, whatever the number's type. The
# digits of round(x * 1000) split before the last one (dividing is the
# slowest arithmetic in OPA).
_pct(x) := sprintf("%s.%s%%", [substring(s, 0, m), substring(s, m, 1)]) if {
	s := sprintf("%02d", [round(x * 1000)])
	m := count(s) - 1
}

r_memcg_headroom := {"status": "not_applicable", "message": layout_desc, "evidence": _headroom_ev, "remediation": ""} if {
	layout == "none"
} else := {"status": "fail", "message": sprintf("memory num_cgroups %d is %s of the %d memcg ID cap (fail at %s)%s", [_num, _pct(_num / memcg_id_max), memcg_id_max, _headroom_fail_pct, _rhel_count_note]), "evidence": _headroom_ev, "remediation": checks["kmem.memcg_headroom"].remediation} if {
	_num >= _headroom_fail_n
} else := {"status": "fail", "message": sprintf("memory cgroup mkdir failed with ENOSPC (%d log lines, latest: %q) while num_cgroups is %d: memcg IDs are exhausted; on RHEL 3.10 the count under-reports (kubernetes#61937)", [_enospc.count, one_line(object.get(_enospc, "latest", "")), _num]), "evidence": object.union(_headroom_ev, {"kernel_log.signatures.cgroup_enospc": _enospc}), "remediation": checks["kmem.memcg_headroom"].remediation} if {
	input.kernel.family == "rhel7"
	_enospc
	_num
} else := {"status": "unknown", "message": sprintf("memory row of /proc/cgroups not read (%s)", [src_note("proc_cgroups")]), "evidence": _headroom_ev, "remediation": ""} if {
	not _num
} else := {"status": "pass", "message": sprintf("memory num_cgroups %d is %s of the %d memcg ID cap: approaching (warn at %s, fail at %s)%s", [_num, _pct(_num / memcg_id_max), memcg_id_max, _headroom_warn_pct, _headroom_fail_pct, _rhel_count_note]), "evidence": _headroom_ev, "remediation": ""} if {
	_num >= _headroom_warn_n
} else := {"status": "pass", "message": sprintf("memory num_cgroups %d is %s of the %d memcg ID cap%s", [_num, _pct(_num / memcg_id_max), memcg_id_max, _rhel_count_note]), "evidence": _headroom_ev, "remediation": ""}

# ---------------------------------------------------------------- kmem.memcg_zombies

_live := n if {
	n := input.cgroup.memory_live_dirs
	is_number(n)
}

_zombies := max([_num - _live, 0])

r_memcg_zombies := {"status": "not_applicable", "message": layout_desc, "evidence": _zombies_ev, "remediation": ""} if {
	layout == "none"
} else := {"status": "unknown", "message": sprintf("memory num_cgroups not read (%s)", [src_note("proc_cgroups")]), "evidence": _zombies_ev, "remediation": ""} if {
	not _num
} else := {"status": "unknown", "message": sprintf("memory cgroup directories not counted (%s)", [src_note("memcg_dirs")]), "evidence": _zombies_ev, "remediation": ""} if {
	not _live
} else := {"status": "fail", "message": sprintf("%d dying memcgs: num_cgroups %d against %d live memory cgroup directories (fail above %d)%s", [_zombies, _num, _live, params.memcg_zombies_fail, _rhel_count_note]), "evidence": _zombies_ev, "remediation": checks["kmem.memcg_zombies"].remediation} if {
	_zombies > params.memcg_zombies_fail
} else := {"status": "pass", "message": sprintf("%d dying memcgs: num_cgroups %d against %d live memory cgroup directories (fail above %d)%s", [_zombies, _num, _live, params.memcg_zombies_fail, _rhel_count_note]), "evidence": _zombies_ev, "remediation": ""}

# ---------------------------------------------------------------- kmem.kernel_log

# Signatures in order of how specific they are to this leak: the message quotes
# the latest line of the first one seen.
signature_order := [
	"slub_alloc_fail", "kmem_usage", "cgroup_enospc", "nf_conntrack_cache", "page_alloc_fail",
	"soft_lockup", "oci_runtime_error", "no_more_sockets", "memcg_oom",
]

_sigs := s if {
	s := input.kernel_log.signatures
	is_object(s)
} else := {}

# signatures seen and judged (not in params.kernel_log_ignore), in
# signature_order, then any others by name.
_seen := array.concat(
	[id | some id in order; sigs[id].count > 0; not id in ignore],
	sort([id | some id, s in sigs; not id in order; s.count > 0; not id in ignore]),
) if {
	order := signature_order
	sigs := _sigs
	ignore := params.kernel_log_ignore
}

_ignored_seen := [id | some id, s in sigs; s.count > 0; id in ignore] if {
	ignore := params.kernel_log_ignore
	count(ignore) > 0
	sigs := _sigs
} else := []

_log_source := s if {
	s := input.kernel_log.source
	is_string(s)
	s != ""
}

_ge := ">=" if input.kernel_log.truncated == true

else := ""

_sig_counts := concat(", ", [sprintf("%s x%s%d", [id, ge, sigs[id].count]) | some id in _seen]) if {
	ge := _ge
	sigs := _sigs
}

_ignored_note := sprintf(" (ignored by params: %s)", [concat(", ", _ignored_seen)]) if {
	count(_ignored_seen) > 0
} else := ""

# _log_complete: a kernel log source was read to its end. Documents from
# collectors before version 2 carry no "complete": there a named source was
# read whole.
_log_complete if input.kernel_log.complete == true

_log_complete if {
	not "complete" in object.keys(object.get(input, "kernel_log", {}))
	_log_source
}

# _scan_note: what each source tried did ("dmesg: timed out after ...").
_scan_note := concat("; ", [sprintf("%s: %s", [s.source, object.get(s, "message", s.status)]) |
	some s in input.kernel_log.scans
	s.status != "complete"
]) if {
	count([s | some s in input.kernel_log.scans; s.status != "complete"]) > 0
} else := src_note("kernel_log")

_partial_note := sprintf(" (kernel log not read to its end: %s)", [_scan_note]) if {
	not _log_complete
} else := ""

r_kernel_log := {"status": "not_applicable", "message": sprintf("%s; the signatures in its kernel log (%s) are not this leak", [affect_desc, _sig_counts]), "evidence": _log_ev, "remediation": ""} if {
	affect == "unaffected"
	count(_seen) > 0
} else := {"status": "not_applicable", "message": affect_desc, "evidence": _log_ev, "remediation": ""} if {
	affect == "unaffected"
} else := {"status": "fail", "message": sprintf("%s: %s; latest %s: %q%s%s", [_log_source, _sig_counts, _seen[0], one_line(object.get(_sigs[_seen[0]], "latest", "")), _ignored_note, _partial_note]), "evidence": _log_ev, "remediation": checks["kmem.kernel_log"].remediation} if {
	count(_seen) > 0
} else := {"status": "unknown", "message": sprintf("no kernel log readable (%s)", [src_note("kernel_log")]), "evidence": _log_ev, "remediation": "dmesg needs CAP_SYSLOG when kernel.dmesg_restrict=1; /var/log/messages needs root: collect with sudo"} if {
	not _log_source
} else := {"status": "unknown", "message": sprintf("no leak signature in what was read, but no kernel log was read to its end (%s): absence cannot be concluded", [_scan_note]), "evidence": _log_ev, "remediation": "check the node (a slow dmesg or a large log), raise the host's timeout and run again"} if {
	not _log_complete
} else := {"status": "pass", "message": sprintf("%s: no kmem leak signature%s", [_log_source, _ignored_note]), "evidence": _log_ev, "remediation": ""}

# ---------------------------------------------------------------- kmem.slab_pressure

_sunreclaim := v if {
	v := input.memory.meminfo.SUnreclaim
	is_number(v)
}

_memtotal := v if {
	v := input.memory.meminfo.MemTotal
	is_number(v)
}

_slab_share := _sunreclaim / _memtotal if _memtotal > 0

_slab_line := sprintf("SUnreclaim %d kB is %s of MemTotal %d kB", [_sunreclaim, _pct(_slab_share), _memtotal])

r_slab_pressure := {"status": "not_applicable", "message": affect_desc, "evidence": _slab_ev, "remediation": ""} if {
	affect == "unaffected"
} else := {"status": "unknown", "message": sprintf("SUnreclaim or MemTotal missing from /proc/meminfo (%s)", [src_note("meminfo")]), "evidence": _slab_ev, "remediation": ""} if {
	not _slab_share
} else := {"status": "fail", "message": sprintf("%s (fail above %s)", [_slab_line, _slab_fail_pct]), "evidence": _slab_ev, "remediation": checks["kmem.slab_pressure"].remediation} if {
	_slab_share > params.slab_unreclaim_fail
} else := {"status": "pass", "message": sprintf("%s (fail above %s)", [_slab_line, _slab_fail_pct]), "evidence": _slab_ev, "remediation": ""}

# ---------------------------------------------------------------- kmem.fragmentation

_zones := [z |
	some z in object.get(input, ["memory", "buddyinfo"], [])
	z.zone in {"Normal", "DMA32"}
	is_array(z.free)
]

# per zone: the highest order with a free block (-1: none) and the free
# blocks of order >= params.fragmentation_min_order.
_zone_stats := [{
	"zone": z,
	"max_order": max(array.concat([-1], [i | some i, n in z.free; n > 0])),
	"high": sum([n | some n in array.slice(z.free, o, count(z.free)); is_number(n)]),
} |
	some z in zs
] if {
	zs := _zones
	o := params.fragmentation_min_order
}

_high_blocks := sum([s.high | some s in _zone_stats])

_frag_line := concat("; ", [sprintf("node %v %s: highest free order %d, %d blocks of order >= %d", [object.get(s.zone, "node", "?"), s.zone.zone, s.max_order, s.high, o]) | some s in stats]) if {
	stats := _zone_stats
	o := params.fragmentation_min_order
}

r_fragmentation := {"status": "not_applicable", "message": affect_desc, "evidence": _frag_ev, "remediation": ""} if {
	affect == "unaffected"
} else := {"status": "unknown", "message": sprintf("no Normal or DMA32 zone in /proc/buddyinfo (%s)", [src_note("buddyinfo")]), "evidence": _frag_ev, "remediation": ""} if {
	count(_zones) == 0
} else := {"status": "fail", "message": sprintf("no free block of order >= %d left in zones Normal/DMA32 (%s)", [params.fragmentation_min_order, _frag_line]), "evidence": _frag_ev, "remediation": checks["kmem.fragmentation"].remediation} if {
	_high_blocks == 0
} else := {"status": "pass", "message": sprintf("%d free blocks of order >= %d in zones Normal/DMA32 (%s)", [_high_blocks, params.fragmentation_min_order, _frag_line]), "evidence": _frag_ev, "remediation": ""}
