# The contract of data.kaudit.kmem.results: 14 results, one per check, for
# every input, with the fields and values the engine validates.
package kaudit.kmem_test

import data.kaudit.kmem

ids := {
	"kmem.kernel", "kmem.accounting", "kmem.nokmem_boot", "kmem.boot_drift", "kmem.memcg_disabled",
	"kmem.runc", "kmem.kubelet", "kmem.memcg_headroom", "kmem.memcg_zombies", "kmem.kernel_log",
	"kmem.slab_pressure", "kmem.fragmentation", "kmem.risk", "kmem.memcg_forecast",
}

# inputs that exercise every branch kind, including nonsense.
garbage := {
	"kernel": {"release": 5, "family": ["rhel7"], "upstream": {}},
	"boot": {"nokmem": "yes", "persisted": "none"},
	"cgroup": {"mode": 7, "memory_num_cgroups": "many", "memory_live_dirs": null},
	"kmem": {"kubepods": "x", "containers": "x", "containers_active": "a"},
	"memory": {"meminfo": {"MemTotal": 0, "SUnreclaim": "x"}, "buddyinfo": [{"zone": "Normal", "free": "x"}, 3]},
	"runtimes": {"runc": [{"version": 3}, "x"], "kubelet": {"version": null}},
	"kernel_log": {"source": 1, "signatures": {"slub_alloc_fail": null}},
	"sources": "none",
}

fixtures := {
	"empty": {},
	"nulls": {"runtimes": {"runc": null}, "boot": {"persisted": null}, "kmem": {"containers": null}},
	"garbage": garbage,
	"seed000": seed000,
	"seed002_broken": seed002_broken,
	"seed003_active": seed003_active,
	"seed003_fixed": seed003_fixed,
	"seed004": seed004,
	"mitigated": mitigated,
	"ubuntu_v2": ubuntu_v2,
}

test_every_id_once_for_every_fixture if {
	every _, inp in fixtures {
		rs := kmem.results with input as inp
		count(rs) == 14
		{r.id | some r in rs} == ids
	}
}

test_results_follow_the_contract if {
	every _, inp in fixtures {
		rs := kmem.results with input as inp
		every r in rs {
			r.status in {"pass", "fail", "unknown", "not_applicable"}
			r.severity == kmem.checks[r.id].severity
			r.title == kmem.checks[r.id].title
			is_string(r.message)
			r.message != ""
			not contains(r.message, "\n")
			is_object(r.evidence)
			is_string(r.remediation)
		}
	}
}

test_failures_carry_a_remediation if {
	every _, inp in fixtures {
		rs := kmem.results with input as inp
		every r in rs {
			_remediated(r)
		}
	}
}

_remediated(r) if r.status != "fail"

_remediated(r) if r.remediation != ""

test_missing_evidence_is_never_a_pass if {
	rs := kmem.results with input as {}
	every r in rs {
		r.status == "unknown"
	}
}

test_checks_metadata_matches_the_spec if {
	severities := {id: c.severity | some id, c in kmem.checks}
	severities == {
		"kmem.kernel": "low", "kmem.accounting": "high", "kmem.nokmem_boot": "medium",
		"kmem.boot_drift": "medium", "kmem.memcg_disabled": "medium", "kmem.runc": "high",
		"kmem.kubelet": "high", "kmem.memcg_headroom": "critical", "kmem.memcg_zombies": "high",
		"kmem.kernel_log": "critical", "kmem.slab_pressure": "medium", "kmem.fragmentation": "medium",
		"kmem.risk": "critical", "kmem.memcg_forecast": "high",
	}
	every _, c in kmem.checks {
		c.description != ""
		count(c.sources) > 0
		c.remediation != ""
	}
}

# "A correctly mitigated RHEL 7 node passes every check at high and above."
# (with a flat history: without one kmem.memcg_forecast is unknown)
test_mitigated_rhel7_passes_high_and_above if {
	flat := {"runs": 4, "span_hours": 72, "num_cgroups": {"points": 4, "span_hours": 72, "first": 300, "last": 300, "last_at_ns": 0, "slope_per_day": 0, "restart": ""}}
	rs := kmem.results with input as object.union(mitigated, {"history": flat})
	every r in rs {
		_passes_if_high(r)
	}
	status("kmem.kernel", mitigated) == "fail" # low: a fact, with upgrade advice
}

_passes_if_high(r) if r.severity in {"medium", "low", "info"}

_passes_if_high(r) if r.status in {"pass", "not_applicable"}

# A cgroup v2 Ubuntu 22.04 node: kernel-dependent checks are n/a, nothing fails.
test_ubuntu_v2_nothing_fails if {
	rs := kmem.results with input as ubuntu_v2
	every r in rs {
		r.status != "fail"
		r.status != "unknown"
	}
	every id in ["kmem.kernel", "kmem.accounting", "kmem.nokmem_boot", "kmem.runc", "kmem.kubelet", "kmem.memcg_headroom", "kmem.memcg_zombies", "kmem.kernel_log", "kmem.risk"] {
		status(id, ubuntu_v2) == "not_applicable"
	}
}

test_params_override_and_validate if {
	kmem.params.memcg_headroom_fail == 0.9 with data.kaudit.params as {}
	kmem.params.memcg_headroom_fail == 0.5 with data.kaudit.params as {"memcg_headroom_fail": 0.5}
	kmem.params.memcg_zombies_fail == 5000 with data.kaudit.params as {"memcg_zombies_fail": "lots"}
	count(kmem.param_errors) == 0 with data.kaudit.params as {"memcg_headroom_fail": 0.95, "acme_other": 1}
	errs := kmem.param_errors with data.kaudit.params as {"memcg_zombies_fail": "lots", "memcg_headroom_warn": 0.99, "fragmentation_min_order": 2.5}
	count(errs) == 3
}

# Nonsense never passes: a message that cannot be built must not let a later
# else branch (a pass) win.
test_garbage_never_passes if {
	rs := kmem.results with input as garbage
	every r in rs {
		r.status in {"unknown", "not_applicable"}
	}
}

test_partial_facts_do_not_skip_to_a_pass if {
	no_latest := json.remove(seed000, ["kernel_log/signatures/slub_alloc_fail/latest"])
	status("kmem.kernel_log", no_latest) == "fail"
	no_node := merge(seed002_broken, {"memory": {"buddyinfo": [{"zone": "Normal", "free": [40153, 12774, 302, 17, 0, 0, 0, 0, 0, 0, 0]}]}})
	status("kmem.fragmentation", no_node) == "fail"
	nameless := merge(seed000, {"runtimes": {"runc": [{"version": "1.0.0-rc10"}]}})
	status("kmem.runc", nameless) == "fail"
}
