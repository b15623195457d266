# The evidence of each check: the fact paths it judged, with their values
# (evidence.pick gives null for a fact not collected; the engine drops nulls),
# plus the derived values and params it used.
package kaudit.kmem

import data.kaudit.lib.evidence

affect_paths := [
	"kernel.release", "kernel.family", "kernel.upstream", "kernel.version_signature",
	"kernel.config.CONFIG_MEMCG_KMEM", "cgroup.mode", "cgroup.memory_v1",
]

kmem_paths := [
	"kmem.kubepods.path", "kmem.kubepods.state", "kmem.kubepods.error", "kmem.containers_found",
	"kmem.containers_sampled", "kmem.containers_active", "kmem.containers_inactive", "kmem.containers_error",
]

_acc_paths := array.concat(affect_paths, kmem_paths)

_kmem_sample_ev := {"kmem.containers": array.slice(_containers, 0, 8)}

affect_evidence := evidence.pick(input, affect_paths)

_acc_ev := object.union(evidence.pick(input, _acc_paths), _kmem_sample_ev)

_no_stack_ev := object.union(_acc_ev, evidence.pick(input, ["sources.runc.error", "sources.docker.error", "sources.containerd.error", "sources.kubelet.error"]))

_nokmem_paths := array.concat(_acc_paths, ["boot.cmdline", "boot.nokmem"])

_nokmem_ev := object.union(evidence.pick(input, _nokmem_paths), _kmem_sample_ev)

_drift_ev := object.union(evidence.pick(input, ["boot.cmdline", "boot.nokmem", "boot.memcg_disabled"]), {"boot.persisted": [object.filter(p, {"kind", "source", "entry", "default", "nokmem", "memcg_disabled"}) | some p in persisted]})

_md_ev := evidence.pick(input, ["boot.cmdline", "boot.memcg_disabled", "runtimes.kubelet.version", "runtimes.kubelet.path"])

_runc_paths := array.concat(affect_paths, ["runtimes.kubelet_cgroup_driver", "runtimes.docker_cgroup_driver", "runtimes.docker.version", "boot.nokmem"])

_runc_ev := object.union(evidence.pick(input, _runc_paths), {
	"runtimes.runc": [object.filter(b, {"name", "path", "version", "commit", "flavor", "error"}) | some b in _runc_bins],
	"runc.verdicts": {j.desc: j.verdict | some j in _runc_judged},
	"runc.sample_active": runc_sample_active,
	"runc.sample_inactive": runc_sample_inactive,
})

_kubelet_paths := array.concat(affect_paths, [
	"runtimes.kubelet.version", "runtimes.kubelet.path", "runtimes.kubelet.error", "runtimes.kubelet_cgroup_driver",
	"kmem.kubepods.path", "kmem.kubepods.state", "boot.nokmem",
])

_kubelet_ev := evidence.pick(input, _kubelet_paths)

_headroom_params_ev := {
	"params.memcg_headroom_fail": params.memcg_headroom_fail,
	"params.memcg_headroom_warn": params.memcg_headroom_warn,
	"memcg_id_max": memcg_id_max,
}

_headroom_ev := object.union(evidence.pick(input, ["cgroup.memory_num_cgroups", "cgroup.mode", "cgroup.memory_v1", "kernel.release", "kernel.family"]), _headroom_params_ev)

_zombies_ev := object.union(evidence.pick(input, ["cgroup.memory_num_cgroups", "cgroup.memory_live_dirs", "cgroup.memory_mount", "kernel.family"]), {"params.memcg_zombies_fail": params.memcg_zombies_fail})

_log_ev := object.union(evidence.pick(input, ["kernel_log.source", "kernel_log.truncated", "kernel_log.complete", "kernel_log.scans"]), {
	"kernel_log.signatures": _sigs,
	"params.kernel_log_ignore": params.kernel_log_ignore,
})

_slab_ev := object.union(evidence.pick(input, ["memory.meminfo.MemTotal", "memory.meminfo.Slab", "memory.meminfo.SReclaimable", "memory.meminfo.SUnreclaim"]), {"params.slab_unreclaim_fail": params.slab_unreclaim_fail})

_frag_ev := object.union(evidence.pick(input, ["memory.buddyinfo", "memory.extfrag_threshold"]), {"params.fragmentation_min_order": params.fragmentation_min_order})

_risk_paths := array.concat(_acc_paths, ["boot.nokmem", "boot.cmdline", "runtimes.kubelet.version", "runtimes.kubelet_cgroup_driver"])

_risk_ev := object.union(evidence.pick(input, _risk_paths), {
	"kmem.containers": array.slice(_containers, 0, 8),
	"runtimes.runc": [j.desc | some j in _runc_judged],
	"derived.kmem_switch": kmem_switch,
	"derived.nokmem_state": nokmem_state,
	"derived.runc_side": runc_side,
	"derived.kubelet_side": kubelet_side,
})
