# Entry point of the kmem pack: data.kaudit.kmem.results, one result per check
# (checks.rego) for every input. Each check's verdict rule (r_*: status,
# message, evidence, remediation) ends in an unconditional else, so every id
# is always present. id, title and severity come from checks.
package kaudit.kmem

verdicts := {
	"kmem.kernel": r_kernel,
	"kmem.accounting": r_accounting,
	"kmem.nokmem_boot": r_nokmem_boot,
	"kmem.boot_drift": r_boot_drift,
	"kmem.memcg_disabled": r_memcg_disabled,
	"kmem.runc": r_runc,
	"kmem.kubelet": r_kubelet,
	"kmem.memcg_headroom": r_memcg_headroom,
	"kmem.memcg_zombies": r_memcg_zombies,
	"kmem.kernel_log": r_kernel_log,
	"kmem.slab_pressure": r_slab_pressure,
	"kmem.fragmentation": r_fragmentation,
	"kmem.risk": r_risk,
	"kmem.memcg_forecast": r_memcg_forecast,
}

# id, title and severity of each check (constant: the engine computes it once).
_heads := {id: {"id": id, "title": c.title, "severity": c.severity} | some id, c in checks}

# An array built from locals: a set would hash every result object, and each
# reference to a rule or field costs a step of OPA's evaluator.
results := [object.union(heads[id], v) | some id, v in vs] if {
	heads := _heads
	vs := verdicts
}
