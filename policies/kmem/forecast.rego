# kmem.memcg_forecast: when memory cgroup IDs will run out, from the host's
# recorded history (input.history, built by kaudit's history store: see
# docs/history.md and docs/policies.md). kaudit computes the robust fit
# (Theil-Sen slope over the points since the last reboot or drop of the
# counter); this rule judges it.
package kaudit.kmem

import data.kaudit.lib.evidence

# ---------------------------------------------------------------- kmem.memcg_forecast

# the forecast needs this much series (since the last reboot or drop).
forecast_min_points := 3

forecast_min_hours := 24

_fc_fit := f if {
	f := input.history.num_cgroups
	is_number(f.points)
	is_number(f.span_hours)
	is_number(f.slope_per_day)
	is_number(f.first)
	is_number(f.last)
	is_number(f.last_at_ns)
}

_fc_dying := f if {
	f := input.history.dying
	is_number(f.points)
	is_number(f.span_hours)
	is_number(f.slope_per_day)
	f.points >= forecast_min_points
	f.span_hours >= forecast_min_hours
}

# the count the forecast projects to: the memcg_forecast_share of the cap.
_fc_target := round(memcg_id_max * params.memcg_forecast_share)

_fc_enough if {
	_fc_fit.points >= forecast_min_points
	_fc_fit.span_hours >= forecast_min_hours
}

# growth per day, rounded; below 1/day it is flat.
_fc_rate := round(_fc_fit.slope_per_day)

_fc_days := (_fc_target - _fc_fit.last) / _fc_fit.slope_per_day if _fc_rate > 0

_fc_date := time.format([_fc_fit.last_at_ns + round(_fc_days * 86400000000000), "UTC", "2006-01-02"])

_fc_span := sprintf("%d h", [round(_fc_fit.span_hours)]) if {
	_fc_fit.span_hours < 48
} else := sprintf("%d days", [round(_fc_fit.span_hours / 24)])

_fc_in := sprintf("~%d days", [round(_fc_days)]) if {
	_fc_days >= 1.5
} else := "~1 day" if {
	_fc_days >= 0.5
} else := "under a day"

_fc_since := " since the last reboot" if {
	_fc_fit.restart == "reboot"
} else := " since num_cgroups last fell (a reboot)" if {
	_fc_fit.restart == "drop"
} else := ""

_fc_dying_note := sprintf("; dying memcgs grew %s/day", [commas(round(_fc_dying.slope_per_day))]) if {
	round(_fc_dying.slope_per_day) > 0
} else := ""

_fc_growth := sprintf("memory cgroups grew %s/day over %s (%s → %s)", [commas(_fc_rate), _fc_span, commas(_fc_fit.first), commas(_fc_fit.last)])

_fc_ev := object.union(evidence.pick(input, ["cgroup.memory_num_cgroups", "cgroup.memory_live_dirs", "kernel.family"]), {
	"history.runs": object.get(input, ["history", "runs"], 0),
	"history.span_hours": object.get(input, ["history", "span_hours"], 0),
	"history.num_cgroups": object.get(input, ["history", "num_cgroups"], null),
	"history.dying": object.get(input, ["history", "dying"], null),
	"history.num_cgroups_series": _fc_series,
	"params.memcg_forecast_days": params.memcg_forecast_days,
	"params.memcg_forecast_share": params.memcg_forecast_share,
	"memcg_id_max": memcg_id_max,
})

r_memcg_forecast := {"status": "not_applicable", "message": layout_desc, "evidence": _fc_ev, "remediation": ""} if {
	layout == "none"
} else := {"status": "not_applicable", "message": sprintf("projected state after a reboot the plan implies (num_cgroups predicted %s): the reboot frees the dead memcg IDs and the series starts again; the current forecast is in the current results", [_fc_num_text]), "evidence": _fc_ev, "remediation": ""} if {
	"cgroup.memory_num_cgroups" in input.predicted
} else := {"status": "unknown", "message": sprintf("memory num_cgroups not read in this run (%s)", [src_note("proc_cgroups")]), "evidence": _fc_ev, "remediation": ""} if {
	not _num
} else := {"status": "not_applicable", "message": "no history store configured: a forecast needs earlier runs; record them with --history (or the inventory's history block) to forecast memcg exhaustion (docs/history.md)", "evidence": _fc_ev, "remediation": ""} if {
	# Without a store the question cannot be asked: an unknown here would make
	# every host incomplete (exit 3) in every run that does not keep history.
	# With a store, too little history is unknown (below).
	not input.history
} else := {"status": "unknown", "message": sprintf("history unavailable: %s", [one_line(input.history.error)]), "evidence": _fc_ev, "remediation": ""} if {
	is_string(input.history.error)
} else := {"status": "unknown", "message": sprintf("not enough history: %d run(s) over %s%s, need %d over %d h", [_fc_points, _fc_span_or_zero, _fc_since_or_empty, forecast_min_points, forecast_min_hours]), "evidence": _fc_ev, "remediation": ""} if {
	not _fc_enough
} else := {"status": "fail", "message": sprintf("memory cgroups at %s, at or above %s%s", [commas(_fc_fit.last), commas(_fc_target), _rhel_count_note]), "evidence": _fc_ev, "remediation": checks["kmem.memcg_forecast"].remediation} if {
	_fc_fit.last >= _fc_target
} else := {"status": "pass", "message": sprintf("memory cgroups flat over %s (%s → %s)%s%s", [_fc_span, commas(_fc_fit.first), commas(_fc_fit.last), _fc_dying_note, _rhel_count_note]), "evidence": _fc_ev, "remediation": ""} if {
	_fc_rate <= 0
} else := {"status": "fail", "message": sprintf("%s; %s reached in %s (%s)%s%s", [_fc_growth, commas(_fc_target), _fc_in, _fc_date, _fc_dying_note, _rhel_count_note]), "evidence": _fc_ev, "remediation": checks["kmem.memcg_forecast"].remediation} if {
	_fc_days < params.memcg_forecast_days
} else := {"status": "pass", "message": sprintf("%s; %s reached in %s (%s)%s%s", [_fc_growth, commas(_fc_target), _fc_in, _fc_date, _fc_dying_note, _rhel_count_note]), "evidence": _fc_ev, "remediation": ""}

_fc_points := _fc_fit.points if _fc_fit else := 0

# the num_cgroups of the recorded series, oldest first (the HTML sparkline).
_fc_series := [n | some r in input.history.series; n := r.num_cgroups; is_number(n)] if {
	is_array(input.history.series)
} else := []

_fc_num_text := commas(_num) if _num else := "unknown"

_fc_span_or_zero := _fc_span if _fc_fit else := "0 h"

_fc_since_or_empty := _fc_since if _fc_fit else := ""

# commas(48120) == "48,120": an integer with thousands separators.
commas(n) := sprintf("-%s", [_commas(0 - n)]) if {
	n < 0
} else := _commas(n)

_commas(n) := sprintf("%d", [n]) if {
	n < 1000
} else := sprintf("%d,%03d", [floor(n / 1000), n % 1000]) if {
	n < 1000000
} else := sprintf("%d,%03d,%03d", [floor(n / 1000000), floor(n / 1000) % 1000, n % 1000])

param_errors contains msg if {
	v := params.memcg_forecast_days
	v <= 0
	msg := sprintf("param memcg_forecast_days: want a number of days > 0, got %v", [v])
}

param_errors contains msg if {
	v := params.memcg_forecast_share
	not _ratio(v)
	msg := sprintf("param memcg_forecast_share: want a share between 0 and 1, got %v", [v])
}
