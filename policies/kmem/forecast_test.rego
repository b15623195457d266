# kmem.memcg_forecast
package kaudit.kmem_test

import data.kaudit.kmem

# a fit as kaudit's history store gives it (history.Input).
fit(points, hours, first, last, slope, restart) := {
	"points": points, "span_hours": hours, "first": first, "last": last,
	"first_at": "2026-11-27T00:00:00Z", "last_at": "2026-12-03T00:00:00Z",
	"last_at_ns": time.parse_rfc3339_ns("2026-12-03T00:00:00Z"),
	"slope_per_day": slope, "restart": restart,
}

v1_host(num, hist) := {
	"kernel": {"release": "5.4.0-100-generic", "family": "upstream", "upstream": "5.4.0"},
	"cgroup": {"mode": "hybrid", "memory_v1": true, "memory_num_cgroups": num, "memory_live_dirs": 120},
	"history": hist,
}

growing := {"runs": 7, "span_hours": 144, "series": [], "num_cgroups": fit(7, 144, 48120, 59160, 1840, "")}

test_memcg_forecast_fail_with_the_date if {
	r := result("kmem.memcg_forecast", v1_host(59160, growing))
	r.status == "fail"
	r.severity == "high"
	r.message == "memory cgroups grew 1,840/day over 6 days (48,120 → 59,160); 65,535 reached in ~3 days (2026-12-06)"
	r.remediation != ""
	r.evidence["history.num_cgroups"].slope_per_day == 1840
}

test_memcg_forecast_not_applicable_without_a_store if {
	r := result("kmem.memcg_forecast", object.remove(v1_host(59160, {}), ["history"]))
	r.status == "not_applicable"
	startswith(r.message, "no history store configured")
}

test_forecast_with_too_little_history_says_how_much if {
	h := {"runs": 2, "span_hours": 30, "series": [], "num_cgroups": fit(2, 30, 100, 200, 80, "reboot")}
	r := result("kmem.memcg_forecast", v1_host(200, h))
	r.status == "unknown"
	r.message == "not enough history: 2 run(s) over 30 h since the last reboot, need 3 over 24 h"
	h2 := {"runs": 5, "span_hours": 10, "series": [], "num_cgroups": fit(5, 10, 100, 200, 80, "")}
	status("kmem.memcg_forecast", v1_host(200, h2)) == "unknown"
}

test_memcg_forecast_pass_when_flat if {
	h := {"runs": 5, "span_hours": 96, "series": [], "num_cgroups": fit(5, 96, 900, 900, 0.2, "")}
	r := result("kmem.memcg_forecast", v1_host(900, h))
	r.status == "pass"
	r.message == "memory cgroups flat over 4 days (900 → 900)"
}

test_forecast_far_passes if {
	h := {"runs": 5, "span_hours": 96, "series": [], "num_cgroups": fit(5, 96, 1000, 1400, 100, "")}
	r := result("kmem.memcg_forecast", v1_host(1400, h))
	r.status == "pass"
	contains(r.message, "65,535 reached in ~641 days")
}

test_forecast_params if {
	# a longer horizon turns the far forecast into a failure
	h := {"runs": 5, "span_hours": 96, "series": [], "num_cgroups": fit(5, 96, 1000, 1400, 100, "")}
	status("kmem.memcg_forecast", v1_host(1400, h)) == "fail" with data.kaudit.params as {"memcg_forecast_days": 700}
	# projecting to the headroom share
	r := result("kmem.memcg_forecast", v1_host(59160, growing)) with data.kaudit.params as {"memcg_forecast_share": 0.9}
	contains(r.message, "58,982")
	r.status == "fail"
	count(kmem.param_errors) == 2 with data.kaudit.params as {"memcg_forecast_days": 0, "memcg_forecast_share": 1.5}
}

test_forecast_at_the_cap_fails if {
	h := {"runs": 5, "span_hours": 96, "series": [], "num_cgroups": fit(5, 96, 60000, 65535, 1000, "")}
	r := result("kmem.memcg_forecast", v1_host(65535, h))
	r.status == "fail"
	startswith(r.message, "memory cgroups at 65,535, at or above 65,535")
}

test_forecast_rhel_says_the_count_under_reports if {
	inp := object.union(v1_host(59160, growing), {"kernel": {"release": "3.10.0-862.el7.x86_64", "family": "rhel7"}})
	r := result("kmem.memcg_forecast", inp)
	r.status == "fail"
	contains(r.message, "under-reports")
}

test_forecast_dying_growth_is_shown if {
	h := object.union(growing, {"dying": fit(7, 144, 1000, 7000, 1000, "")})
	contains(result("kmem.memcg_forecast", v1_host(59160, h)).message, "; dying memcgs grew 1,000/day")
}

test_memcg_forecast_not_applicable_on_v2 if {
	status("kmem.memcg_forecast", object.union(ubuntu_v2, {"history": growing})) == "not_applicable"
}

test_forecast_garbage_history_never_passes if {
	every h in [{"num_cgroups": "x"}, {"num_cgroups": {"points": "3"}}, "nope", {"runs": 1}] {
		status("kmem.memcg_forecast", v1_host(59160, h)) == "unknown"
	}
}

test_commas if {
	kmem.commas(0) == "0"
	kmem.commas(999) == "999"
	kmem.commas(1000) == "1,000"
	kmem.commas(65535) == "65,535"
	kmem.commas(1234567) == "1,234,567"
	kmem.commas(-1840) == "-1,840"
}

test_memcg_forecast_unknown_when_the_store_failed if {
	r := result("kmem.memcg_forecast", v1_host(59160, {"error": "history store /x.db: connect: file is not a database"}))
	r.status == "unknown"
	r.message == "history unavailable: history store /x.db: connect: file is not a database"
}

test_memcg_forecast_not_applicable_to_a_projected_reboot if {
	inp := object.union(v1_host(57, growing), {"predicted": ["kernel.release", "cgroup.memory_num_cgroups"]})
	r := result("kmem.memcg_forecast", inp)
	r.status == "not_applicable"
	contains(r.message, "num_cgroups predicted 57")
}
