# kmem.memcg_headroom, kmem.memcg_zombies, kmem.kernel_log,
# kmem.slab_pressure, kmem.fragmentation.
package kaudit.kmem_test

# ---------------------------------------------------------------- kmem.memcg_headroom

num(base, n) := merge(base, {"cgroup": {"memory_num_cgroups": n}})

test_headroom_fail_seed003_reproduction if {
	# seed 003: "memory 8 65513 1" after 65535 mkdirs.
	r := result("kmem.memcg_headroom", num(seed003_active, 65513))
	r.status == "fail"
	startswith(r.message, "memory num_cgroups 65513 is 100.0% of the 65535 memcg ID cap (fail at 90.0%)")
	contains(r.message, "count under-reports (kubernetes#61937)")
}

test_headroom_fail_enospc_on_rhel_with_low_count if {
	s := merge(seed003_active, {"kernel_log": {"source": "/var/log/messages", "signatures": {"cgroup_enospc": {
		"count": 1,
		"latest": "mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod5a41f53f-5ce8-4123-8199-1a865219f297: no space left on device",
	}}}})
	r := result("kmem.memcg_headroom", s)
	r.status == "fail"
	contains(r.message, "ENOSPC")
	contains(r.message, "while num_cgroups is 87")
}

test_headroom_pass_and_approaching if {
	r := result("kmem.memcg_headroom", seed003_active)
	r.status == "pass"
	startswith(r.message, "memory num_cgroups 87 is 0.1% of the 65535 memcg ID cap")
	r2 := result("kmem.memcg_headroom", num(seed003_active, 50000))
	r2.status == "pass"
	contains(r2.message, "approaching (warn at 75.0%, fail at 90.0%)")
}

test_headroom_params_from_inventory if {
	status("kmem.memcg_headroom", num(seed003_active, 50000)) == "fail" with data.kaudit.params as {"memcg_headroom_fail": 0.7, "memcg_headroom_warn": 0.5}
}

test_headroom_unknown if {
	r := result("kmem.memcg_headroom", merge(seed000, unreadable("proc_cgroups")))
	r.status == "unknown"
	contains(r.message, "proc_cgroups: permission")
}

test_headroom_not_applicable_v2 if {
	status("kmem.memcg_headroom", ubuntu_v2) == "not_applicable"
}

# ---------------------------------------------------------------- kmem.memcg_zombies

test_zombies_fail_moby_29638 if {
	# moby/moby#29638: 22563 counted against 61 live on a 4.6 kernel.
	s := merge(upstream("4.6.0"), {"cgroup": {"memory_num_cgroups": 22563, "memory_live_dirs": 61}})
	r := result("kmem.memcg_zombies", s)
	r.status == "fail"
	r.message == "22502 dying memcgs: num_cgroups 22563 against 61 live memory cgroup directories (fail above 5000)"
}

test_zombies_pass if {
	r := result("kmem.memcg_zombies", mitigated)
	r.status == "pass"
	startswith(r.message, "7 dying memcgs: num_cgroups 87 against 80 live")
	contains(r.message, "under-reports")
}

test_zombies_unknown if {
	# seed 003 counts cgroups but not the directories
	r := result("kmem.memcg_zombies", seed003_active)
	r.status == "unknown"
	contains(r.message, "memcg_dirs")
	status("kmem.memcg_zombies", seed000) == "unknown"
}

test_zombies_not_applicable_v2 if {
	status("kmem.memcg_zombies", ubuntu_v2) == "not_applicable"
}

# ---------------------------------------------------------------- kmem.kernel_log

test_kernel_log_fail_seed000 if {
	r := result("kmem.kernel_log", seed000)
	r.status == "fail"
	r.message == `dmesg: slub_alloc_fail x1, soft_lockup x1, no_more_sockets x2; latest slub_alloc_fail: "SLUB: Unable to allocate memory on node -1 (gfp=0xd0)"`
}

test_kernel_log_fail_seed004_kmem_usage if {
	r := result("kmem.kernel_log", seed004)
	r.status == "fail"
	startswith(r.message, "dmesg: slub_alloc_fail x2, kmem_usage x2, memcg_oom x1; latest slub_alloc_fail:")
}

test_kernel_log_fail_seed002_messages if {
	r := result("kmem.kernel_log", seed002_broken)
	r.status == "fail"
	r.message == `/var/log/messages: nf_conntrack_cache x2, page_alloc_fail x1; latest nf_conntrack_cache: "Nov 12 15:15:41 kernel: Unable to create nf_conn slab cache"`
}

test_kernel_log_truncated_counts_are_lower_bounds if {
	r := result("kmem.kernel_log", merge(seed000, {"kernel_log": {"truncated": true}}))
	contains(r.message, "slub_alloc_fail x>=1")
}

test_kernel_log_ignore_param if {
	oom_only := merge(seed000, {"kernel_log": {"signatures": {"memcg_oom": {"count": 4, "latest": "Memory cgroup out of memory: Kill process 789343 (java) score 1074 or sacrifice child"}}}})
	only := json.remove(oom_only, ["kernel_log/signatures/slub_alloc_fail", "kernel_log/signatures/soft_lockup", "kernel_log/signatures/no_more_sockets"])
	status("kmem.kernel_log", only) == "fail"
	r := result("kmem.kernel_log", only) with data.kaudit.params as {"kernel_log_ignore": ["memcg_oom"]}
	r.status == "pass"
	contains(r.message, "(ignored by params: memcg_oom)")
}

test_kernel_log_pass if {
	r := result("kmem.kernel_log", mitigated)
	r.status == "pass"
	r.message == "dmesg: no kmem leak signature"
}

test_kernel_log_unknown_without_a_readable_log if {
	r := result("kmem.kernel_log", merge(seed000, merge(unreadable("kernel_log"), {"kernel_log": {"source": ""}})))
	r.status == "unknown"
	contains(r.message, "kernel_log: permission")
}

test_kernel_log_not_applicable_on_unaffected if {
	r := result("kmem.kernel_log", ubuntu_v2)
	r.status == "not_applicable"
	contains(r.message, "memcg_oom x3")
}

# ---------------------------------------------------------------- kmem.slab_pressure

test_slab_pressure_fail_seed002 if {
	r := result("kmem.slab_pressure", seed002_broken)
	r.status == "fail"
	r.message == "SUnreclaim 6836344 kB is 42.0% of MemTotal 16267400 kB (fail above 30.0%)"
	r.evidence["memory.meminfo.SUnreclaim"] == 6836344
}

test_slab_pressure_pass if {
	r := result("kmem.slab_pressure", mitigated)
	r.status == "pass"
	startswith(r.message, "SUnreclaim 210228 kB is 1.3% of MemTotal")
	status("kmem.slab_pressure", seed002_broken) == "pass" with data.kaudit.params as {"slab_unreclaim_fail": 0.5}
}

test_slab_pressure_unknown if {
	status("kmem.slab_pressure", seed000) == "unknown"
	status("kmem.slab_pressure", merge(seed002_broken, {"memory": {"meminfo": {"MemTotal": 0}}})) == "unknown"
}

test_slab_pressure_not_applicable if {
	status("kmem.slab_pressure", ubuntu_v2) == "not_applicable"
}

# ---------------------------------------------------------------- kmem.fragmentation

test_fragmentation_fail_seed002_broken if {
	r := result("kmem.fragmentation", seed002_broken)
	r.status == "fail"
	r.message == "no free block of order >= 6 left in zones Normal/DMA32 (node 0 DMA32: highest free order 4, 0 blocks of order >= 6; node 0 Normal: highest free order 3, 0 blocks of order >= 6)"
	contains(r.remediation, "echo 1 > /proc/sys/vm/compact_memory")
}

test_fragmentation_pass_seed002_healthy_and_compacted if {
	r := result("kmem.fragmentation", merge(seed002_broken, {"memory": {"buddyinfo": buddy_healthy}}))
	r.status == "pass"
	startswith(r.message, "817 free blocks of order >= 6")
	r2 := result("kmem.fragmentation", merge(seed002_broken, {"memory": {"buddyinfo": buddy_compacted}}))
	r2.status == "pass"
	startswith(r2.message, "1 free blocks of order >= 6")
}

test_fragmentation_min_order_param if {
	# DMA32 of the broken node still has 6 blocks of order 4.
	status("kmem.fragmentation", seed002_broken) == "pass" with data.kaudit.params as {"fragmentation_min_order": 4}
}

test_fragmentation_unknown if {
	status("kmem.fragmentation", seed000) == "unknown"
	dma_only := merge(seed002_broken, {"memory": {"buddyinfo": [{"node": 0, "zone": "DMA", "free": [1, 0, 0, 1, 2, 1, 1, 0, 1, 1, 3]}]}})
	status("kmem.fragmentation", dma_only) == "unknown"
}

test_fragmentation_not_applicable if {
	status("kmem.fragmentation", ubuntu_v2) == "not_applicable"
}

# Evidence only adds up: a dmesg that timed out after printing a leak line
# fails (the fallback passing does not hide it); nothing found in sources that
# were not read to their end is unknown, never a pass.
test_kernel_log_partial_source_with_signature_fails if {
	r := result("kmem.kernel_log", merge(seed003_active, {"kernel_log": {
		"source": "dmesg", "complete": true, "truncated": true,
		"signatures": {"slub_alloc_fail": {"count": 1, "latest": "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)"}},
		"scans": [
			{"source": "dmesg", "status": "timeout", "lines": 2, "bytes": 64, "message": "timed out after 2 lines (64 bytes): signatures in them are counted"},
			{"source": "/var/log/messages", "status": "complete", "lines": 900, "bytes": 81000},
		],
	}}))
	r.status == "fail"
	startswith(r.message, "dmesg: slub_alloc_fail x>=1; latest slub_alloc_fail:")
}

test_kernel_log_nothing_found_in_partial_sources_is_unknown if {
	r := result("kmem.kernel_log", merge(seed003_active, {"kernel_log": {
		"source": "dmesg", "complete": false,
		"scans": [
			{"source": "dmesg", "status": "timeout", "lines": 10, "bytes": 900, "message": "timed out after 10 lines (900 bytes): signatures in them are counted"},
			{"source": "journalctl", "status": "budget", "lines": 0, "bytes": 0, "message": "not run: the collector's node budget was spent"},
		],
	}}))
	r.status == "unknown"
	contains(r.message, "no kernel log was read to its end")
	contains(r.message, "dmesg: timed out after 10 lines")
	contains(r.message, "journalctl: not run")
}

test_kernel_log_complete_source_without_signature_passes if {
	r := result("kmem.kernel_log", merge(seed003_active, {"kernel_log": {
		"source": "dmesg", "complete": true,
		"scans": [{"source": "dmesg", "status": "complete", "lines": 346, "bytes": 23882}],
	}}))
	r.status == "pass"
}

test_kernel_log_partial_note_on_fail_when_nothing_complete if {
	r := result("kmem.kernel_log", merge(seed003_active, {"kernel_log": {
		"source": "dmesg", "complete": false, "truncated": true,
		"signatures": {"soft_lockup": {"count": 3, "latest": "BUG: soft lockup - CPU#3 stuck for 22s!"}},
		"scans": [{"source": "dmesg", "status": "timeout", "lines": 5, "bytes": 400, "message": "timed out after 5 lines (400 bytes): signatures in them are counted"}],
	}}))
	r.status == "fail"
	contains(r.message, "(kernel log not read to its end: dmesg: timed out after 5 lines")
}
