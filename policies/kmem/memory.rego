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

_headroom_ev := object.union({"cgroup.memory_num_cgroups": object.get(input, ["cgroup", "memory_num_cgroups"], null), "cgroup.mode": object.get(input, ["cgroup", "mode"], null), "cgroup.memory_v1": object.get(input, ["cgroup", "memory_v1"], null), "kernel.release": object.get(input, ["kernel", "release"], null), "kernel.family": object.get(input, ["kernel", "family"], null)}, {
	"params.memcg_headroom_fail": params.memcg_headroom_fail,
	"params.memcg_headroom_warn": params.memcg_headroom_warn,
	"memcg_id_max": memcg_id_max,
})

_enospc := s if {
	s := input.kernel_log.signatures.cgroup_enospc
	s.count > 0
}

# _pct(0.42025) == "42.0%": one decimal, whatever the number's type.
_pct(x) := sprintf("%d.%d%%", [floor(t / 10), t % 10]) if t := round(x * 1000)

r_memcg_headroom := res("kmem.memcg_headroom", "not_applicable", layout_desc, _headroom_ev, "") if {
	layout == "none"
} else := res("kmem.memcg_headroom", "fail", sprintf("memory num_cgroups %d is %s of the %d memcg ID cap (fail at %s)%s", [_num, _pct(_num / memcg_id_max), memcg_id_max, _pct(params.memcg_headroom_fail), _rhel_count_note]), _headroom_ev, checks["kmem.memcg_headroom"].remediation) if {
	_num >= params.memcg_headroom_fail * memcg_id_max
} else := res("kmem.memcg_headroom", "fail", sprintf("memory cgroup mkdir failed with ENOSPC (%d log lines, latest: %q) while num_cgroups is %d: memcg IDs are exhausted; on RHEL 3.10 the count under-reports (kubernetes#61937)", [_enospc.count, one_line(object.get(_enospc, "latest", "")), _num]), object.union(_headroom_ev, {"kernel_log.signatures.cgroup_enospc": _enospc}), checks["kmem.memcg_headroom"].remediation) if {
	input.kernel.family == "rhel7"
	_enospc
	_num
} else := res("kmem.memcg_headroom", "unknown", sprintf("memory row of /proc/cgroups not read (%s)", [src_note("proc_cgroups")]), _headroom_ev, "") if {
	not _num
} else := res("kmem.memcg_headroom", "pass", sprintf("memory num_cgroups %d is %s of the %d memcg ID cap: approaching (warn at %s, fail at %s)%s", [_num, _pct(_num / memcg_id_max), memcg_id_max, _pct(params.memcg_headroom_warn), _pct(params.memcg_headroom_fail), _rhel_count_note]), _headroom_ev, "") if {
	_num >= params.memcg_headroom_warn * memcg_id_max
} else := res("kmem.memcg_headroom", "pass", sprintf("memory num_cgroups %d is %s of the %d memcg ID cap%s", [_num, _pct(_num / memcg_id_max), memcg_id_max, _rhel_count_note]), _headroom_ev, "")

# ---------------------------------------------------------------- kmem.memcg_zombies

_live := n if {
	n := input.cgroup.memory_live_dirs
	is_number(n)
}

_zombies := max([_num - _live, 0])

_zombies_ev := object.union({"cgroup.memory_num_cgroups": object.get(input, ["cgroup", "memory_num_cgroups"], null), "cgroup.memory_live_dirs": object.get(input, ["cgroup", "memory_live_dirs"], null), "cgroup.memory_mount": object.get(input, ["cgroup", "memory_mount"], null), "kernel.family": object.get(input, ["kernel", "family"], null)}, {"params.memcg_zombies_fail": params.memcg_zombies_fail})

r_memcg_zombies := res("kmem.memcg_zombies", "not_applicable", layout_desc, _zombies_ev, "") if {
	layout == "none"
} else := res("kmem.memcg_zombies", "unknown", sprintf("memory num_cgroups not read (%s)", [src_note("proc_cgroups")]), _zombies_ev, "") if {
	not _num
} else := res("kmem.memcg_zombies", "unknown", sprintf("memory cgroup directories not counted (%s)", [src_note("memcg_dirs")]), _zombies_ev, "") if {
	not _live
} else := res("kmem.memcg_zombies", "fail", sprintf("%d dying memcgs: num_cgroups %d against %d live memory cgroup directories (fail above %d)%s", [_zombies, _num, _live, params.memcg_zombies_fail, _rhel_count_note]), _zombies_ev, checks["kmem.memcg_zombies"].remediation) if {
	_zombies > params.memcg_zombies_fail
} else := res("kmem.memcg_zombies", "pass", sprintf("%d dying memcgs: num_cgroups %d against %d live memory cgroup directories (fail above %d)%s", [_zombies, _num, _live, params.memcg_zombies_fail, _rhel_count_note]), _zombies_ev, "")

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

# signatures seen and judged, in signature_order, then any others by name.
_seen := array.concat(
	[id | some id in signature_order; _judged(id)],
	sort([id | some id, _ in _sigs; not id in signature_order; _judged(id)]),
)

_judged(id) if {
	_sigs[id].count > 0
	not id in params.kernel_log_ignore
}

_ignored_seen := [id | some id, s in _sigs; s.count > 0; id in params.kernel_log_ignore]

_log_source := s if {
	s := input.kernel_log.source
	is_string(s)
	s != ""
}

_ge := ">=" if input.kernel_log.truncated == true

else := ""

_sig_counts := concat(", ", [sprintf("%s x%s%d", [id, _ge, _sigs[id].count]) | some id in _seen])

_log_ev := object.union({"kernel_log.source": object.get(input, ["kernel_log", "source"], null), "kernel_log.truncated": object.get(input, ["kernel_log", "truncated"], null)}, {
	"kernel_log.signatures": _sigs,
	"params.kernel_log_ignore": params.kernel_log_ignore,
})

_ignored_note := sprintf(" (ignored by params: %s)", [concat(", ", _ignored_seen)]) if {
	count(_ignored_seen) > 0
} else := ""

r_kernel_log := res("kmem.kernel_log", "not_applicable", sprintf("%s; the signatures in its kernel log (%s) are not this leak", [affect_desc, _sig_counts]), _log_ev, "") if {
	affect == "unaffected"
	count(_seen) > 0
} else := res("kmem.kernel_log", "not_applicable", affect_desc, _log_ev, "") if {
	affect == "unaffected"
} else := res("kmem.kernel_log", "unknown", sprintf("no kernel log readable (%s)", [src_note("kernel_log")]), _log_ev, "dmesg needs CAP_SYSLOG when kernel.dmesg_restrict=1; /var/log/messages needs root: collect with sudo") if {
	not _log_source
} else := res("kmem.kernel_log", "fail", sprintf("%s: %s; latest %s: %q%s", [_log_source, _sig_counts, _seen[0], one_line(object.get(_sigs[_seen[0]], "latest", "")), _ignored_note]), _log_ev, checks["kmem.kernel_log"].remediation) if {
	count(_seen) > 0
} else := res("kmem.kernel_log", "pass", sprintf("%s: no kmem leak signature%s", [_log_source, _ignored_note]), _log_ev, "")

# ---------------------------------------------------------------- kmem.slab_pressure

_meminfo(k) := v if {
	v := input.memory.meminfo[k]
	is_number(v)
}

_slab_ev := {
	"memory.meminfo.MemTotal": object.get(input, ["memory", "meminfo", "MemTotal"], null),
	"memory.meminfo.Slab": object.get(input, ["memory", "meminfo", "Slab"], null),
	"memory.meminfo.SReclaimable": object.get(input, ["memory", "meminfo", "SReclaimable"], null),
	"memory.meminfo.SUnreclaim": object.get(input, ["memory", "meminfo", "SUnreclaim"], null),
	"params.slab_unreclaim_fail": params.slab_unreclaim_fail,
}

_slab_share := _meminfo("SUnreclaim") / _meminfo("MemTotal") if _meminfo("MemTotal") > 0

_slab_line := sprintf("SUnreclaim %d kB is %s of MemTotal %d kB", [_meminfo("SUnreclaim"), _pct(_slab_share), _meminfo("MemTotal")])

r_slab_pressure := res("kmem.slab_pressure", "not_applicable", affect_desc, _slab_ev, "") if {
	affect == "unaffected"
} else := res("kmem.slab_pressure", "unknown", sprintf("SUnreclaim or MemTotal missing from /proc/meminfo (%s)", [src_note("meminfo")]), _slab_ev, "") if {
	not _slab_share
} else := res("kmem.slab_pressure", "fail", sprintf("%s (fail above %s)", [_slab_line, _pct(params.slab_unreclaim_fail)]), _slab_ev, checks["kmem.slab_pressure"].remediation) if {
	_slab_share > params.slab_unreclaim_fail
} else := res("kmem.slab_pressure", "pass", sprintf("%s (fail above %s)", [_slab_line, _pct(params.slab_unreclaim_fail)]), _slab_ev, "")

# ---------------------------------------------------------------- kmem.fragmentation

_zones := [z |
	some z in object.get(input, ["memory", "buddyinfo"], [])
	z.zone in {"Normal", "DMA32"}
	is_array(z.free)
]

_max_order(z) := max(orders) if {
	orders := [i | some i, n in z.free; n > 0]
	count(orders) > 0
} else := -1

_high_blocks(z) := sum([n | some i, n in z.free; i >= params.fragmentation_min_order; is_number(n)])

_zone_desc(z) := sprintf("node %v %s: highest free order %d, %d blocks of order >= %d", [object.get(z, "node", "?"), z.zone, _max_order(z), _high_blocks(z), params.fragmentation_min_order])

_frag_line := concat("; ", [_zone_desc(z) | some z in _zones])

_frag_ev := object.union({"memory.buddyinfo": object.get(input, ["memory", "buddyinfo"], null), "memory.extfrag_threshold": object.get(input, ["memory", "extfrag_threshold"], null)}, {"params.fragmentation_min_order": params.fragmentation_min_order})

r_fragmentation := res("kmem.fragmentation", "not_applicable", affect_desc, _frag_ev, "") if {
	affect == "unaffected"
} else := res("kmem.fragmentation", "unknown", sprintf("no Normal or DMA32 zone in /proc/buddyinfo (%s)", [src_note("buddyinfo")]), _frag_ev, "") if {
	count(_zones) == 0
} else := res("kmem.fragmentation", "fail", sprintf("no free block of order >= %d left in zones Normal/DMA32 (%s)", [params.fragmentation_min_order, _frag_line]), _frag_ev, checks["kmem.fragmentation"].remediation) if {
	sum([_high_blocks(z) | some z in _zones]) == 0
} else := res("kmem.fragmentation", "pass", sprintf("%d free blocks of order >= %d in zones Normal/DMA32 (%s)", [sum([_high_blocks(z) | some z in _zones]), params.fragmentation_min_order, _frag_line]), _frag_ev, "")
