# Thresholds of the kmem pack. Defaults live here; an inventory `params` block
# overrides them (the engine stores it at data.kaudit.params). A value of the
# wrong JSON type is ignored in favour of the default and reported by
# param_errors, which the engine turns into a policy error at start-up.
package kaudit.kmem

default_params := {
	# /proc/cgroups memory num_cgroups as a share of the 65535 memcg ID cap:
	# fail at or above memcg_headroom_fail, "approaching" from memcg_headroom_warn.
	"memcg_headroom_fail": 0.90,
	"memcg_headroom_warn": 0.75,
	# num_cgroups minus live memory cgroup directories above which dying
	# (zombie) memcgs fail.
	"memcg_zombies_fail": 5000,
	# SUnreclaim / MemTotal above which slab pressure fails.
	"slab_unreclaim_fail": 0.30,
	# the smallest buddy order that must still have a free block in Normal/DMA32.
	"fragmentation_min_order": 6,
	# kernel-log signature ids (probes/facts Sig*) not to judge, e.g.
	# ["memcg_oom"] on nodes where container OOM kills are routine.
	"kernel_log_ignore": [],
	# kmem.memcg_forecast: fail when the memcg ID cap is forecast to be
	# reached within this many days; the share of the cap it projects to
	# (set it to memcg_headroom_fail to forecast when that check fails).
	"memcg_forecast_days": 14,
	"memcg_forecast_share": 1.0,
}

# memcg IDs per kernel (MEM_CGROUP_ID_MAX).
memcg_id_max := 65535

_given := data.kaudit.params

params := object.union(default_params, {k: v |
	some k, v in _given
	default_params[k]
	type_name(v) == type_name(default_params[k])
})

param_errors contains msg if {
	some k, v in _given
	default_params[k]
	type_name(v) != type_name(default_params[k])
	msg := sprintf("param %s: want a %s, got %s %v", [k, type_name(default_params[k]), type_name(v), v])
}

param_errors contains msg if {
	some k in ["memcg_headroom_fail", "memcg_headroom_warn", "slab_unreclaim_fail"]
	v := params[k]
	not _ratio(v)
	msg := sprintf("param %s: want a share between 0 and 1, got %v", [k, v])
}

param_errors contains msg if {
	params.memcg_headroom_warn > params.memcg_headroom_fail
	msg := sprintf("param memcg_headroom_warn (%v) is above memcg_headroom_fail (%v)", [params.memcg_headroom_warn, params.memcg_headroom_fail])
}

param_errors contains msg if {
	v := params.memcg_zombies_fail
	v < 0
	msg := sprintf("param memcg_zombies_fail: want a count >= 0, got %v", [v])
}

param_errors contains msg if {
	v := params.fragmentation_min_order
	not _order(v)
	msg := sprintf("param fragmentation_min_order: want an integer order 1..10, got %v", [v])
}

param_errors contains msg if {
	some x in params.kernel_log_ignore
	not is_string(x)
	msg := sprintf("param kernel_log_ignore: want signature ids (strings), got %v", [x])
}

_ratio(v) if {
	v > 0
	v <= 1
}

_order(v) if {
	v == round(v)
	v >= 1
	v <= 10
}
