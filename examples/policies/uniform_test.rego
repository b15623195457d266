package kaudit.uniform_test

import data.kaudit.uniform

host(name, groups, release) := {"name": name, "groups": groups, "labels": {}, "facts": {"kernel": {"release": release}}}

fleet := {"hosts": [
	host("a", ["prod", "k8s"], "3.10.0-1127.el7.x86_64"),
	host("b", ["prod"], "3.10.0-862.el7.x86_64"),
	host("c", ["k8s"], "3.10.0-1127.el7.x86_64"),
	host("d", ["lab"], "5.15.0-91-generic"),
	host("e", ["lab"], "4.18.0-305.el8.x86_64"),
	{"name": "f", "groups": ["k8s"], "labels": {}, "facts": null},
]}

input_for(name, groups, release) := {
	"kernel": {"release": release},
	"inventory": {"name": name, "groups": groups, "labels": {}},
	"fleet": fleet,
}

result(inp) := r if {
	some r in uniform.results with input as inp
}

test_group_kernel_fail_mixed_group_names_the_newest if {
	r := result(input_for("b", ["prod"], "3.10.0-862.el7.x86_64"))
	r.status == "fail"
	r.message == "kernel 3.10.0-862.el7.x86_64; group prod runs 2 kernels (3.10.0-1127.el7.x86_64, 3.10.0-862.el7.x86_64), newest 3.10.0-1127.el7.x86_64"
}

test_group_kernel_fail_without_a_newest_when_not_rpm if {
	r := result(input_for("d", ["lab"], "5.15.0-91-generic"))
	r.status == "fail"
	r.message == "kernel 5.15.0-91-generic; group lab runs 2 kernels (4.18.0-305.el8.x86_64, 5.15.0-91-generic)"
}

test_group_kernel_fail_any_of_the_hosts_groups if {
	# a is uniform in k8s (f has no facts) but not in prod.
	r := result(input_for("a", ["prod", "k8s"], "3.10.0-1127.el7.x86_64"))
	r.status == "fail"
	contains(r.message, "group prod")
	not contains(r.message, "group k8s")
}

test_group_kernel_pass if {
	r := result(input_for("c", ["k8s"], "3.10.0-1127.el7.x86_64"))
	r.status == "pass"
	r.message == "kernel 3.10.0-1127.el7.x86_64, the same on every node of k8s"
}

test_group_kernel_not_applicable_without_groups if {
	result(input_for("z", [], "3.10.0-1127.el7.x86_64")).status == "not_applicable"
}

test_group_kernel_unknown_without_fleet_or_release if {
	result({"kernel": {"release": "3.10.0-1127.el7.x86_64"}, "inventory": {"groups": ["prod"]}}).status == "unknown"
	result(input_for("y", ["prod"], "")).status == "unknown"
}

test_group_kernel_equal_releases_do_not_conflict if {
	f := {"hosts": [host("a", ["g"], "3.10.0-1127.el7"), host("b", ["g"], "3.10.0-1127.el7.x86_64")]}
	r := result({"kernel": {"release": "3.10.0-1127.el7"}, "inventory": {"groups": ["g"]}, "fleet": f})
	r.status == "fail"
	endswith(r.message, "newest 3.10.0-1127.el7.x86_64")
}
