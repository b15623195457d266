# An example custom pack: fleet-wide consistency. Load it with
#
#   kaudit run -i inventory.hcl -p examples/policies
#
# and test it with `kaudit policy test examples/policies` (or plain
# `opa test examples/policies policies/lib/shim`). docs/policies.md
# describes the contract it follows.
package kaudit.uniform

import data.kaudit.lib.version

checks := {"uniform.group_kernel": {
	"order": 1,
	"title": "Every node of a group runs the same kernel",
	"severity": "medium",
	"description": "Nodes of one inventory group should boot the same kernel release: a mixed group means a rolling upgrade stopped half way, or nodes that missed it. Needs the fleet (input.fleet), which kaudit provides when it evaluates hosts together; a host evaluated alone is unknown. Hosts without facts are ignored.",
	"sources": ["docs/policies.md: input.fleet"],
	"remediation": "upgrade the nodes behind to the group's newest kernel and reboot them (drain first): yum update kernel && reboot",
}}

_id := "uniform.group_kernel"

_meta := checks[_id]

_res(status, msg, ev) := {
	"id": _id,
	"title": _meta.title,
	"severity": _meta.severity,
	"status": status,
	"message": msg,
	"evidence": ev,
	"remediation": _meta.remediation,
}

_release := r if {
	r := input.kernel.release
	is_string(r)
	r != ""
}

_groups := g if {
	g := input.inventory.groups
	is_array(g)
} else := []

# releases[group]: the kernel releases of the group's hosts that have facts.
releases[g] := {r |
	some h in input.fleet.hosts
	g in h.groups
	r := h.facts.kernel.release
	is_string(r)
	r != ""
} if {
	some g in _groups
}

mixed := {g | some g, rs in releases; count(rs) > 1}

# newest(rs): the newest release when all are RPM releases, else undefined.
# Versions are ordered by kaudit's comparator, never by string or regex.
newest(rs) := ns[count(ns) - 1] if {
	ns := sort([n |
		some n in rs
		every o in rs {
			version.compare("rpm", n, o) >= 0
		}
	])
	count(ns) > 0
}

_group_line(g) := sprintf("group %s runs %d kernels (%s), newest %s", [g, count(releases[g]), concat(", ", sort(releases[g])), newest(releases[g])]) if {
	newest(releases[g])
} else := sprintf("group %s runs %d kernels (%s)", [g, count(releases[g]), concat(", ", sort(releases[g]))])

_ev := {"kernel.release": object.get(input, ["kernel", "release"], null), "inventory.groups": _groups, "fleet.releases": releases}

_result := _res("unknown", "evaluated without the fleet (input.fleet): kaudit provides it when it evaluates hosts together", _ev) if {
	not input.fleet.hosts
} else := _res("not_applicable", "the host is in no inventory group", _ev) if {
	count(_groups) == 0
} else := _res("unknown", "the host's kernel release was not collected", _ev) if {
	not _release
} else := _res("fail", sprintf("kernel %s; %s", [_release, concat("; ", [_group_line(g) | some g in sort(mixed)])]), _ev) if {
	count(mixed) > 0
} else := _res("pass", sprintf("kernel %s, the same on every node of %s", [_release, concat(", ", _groups)]), _ev)

results contains _result
