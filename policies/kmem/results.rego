# Entry point of the kmem pack: data.kaudit.kmem.results, one result per check
# (checks.rego) for every input. Each r_* rule ends in an unconditional else,
# so every id is always present.
package kaudit.kmem

results contains r_kernel

results contains r_accounting

results contains r_nokmem_boot

results contains r_boot_drift

results contains r_memcg_disabled

results contains r_runc

results contains r_kubelet

results contains r_memcg_headroom

results contains r_memcg_zombies

results contains r_kernel_log

results contains r_slab_pressure

results contains r_fragmentation

results contains r_risk
