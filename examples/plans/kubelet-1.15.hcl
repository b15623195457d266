# Upgrade the kubelet from 1.12 to 1.15 on the CentOS 7 / 3.10 workers, and
# nothing else. The gate says no-go: kubelet 1.15 still switches kmem
# accounting on for every pod cgroup (1.8 <= v < 1.22), the kernel is an
# affected RHEL 7 kernel and cgroup.memory=nokmem is not on the command line,
# so kmem.kubelet and kmem.risk fail after the upgrade as they do now.
#
#   kaudit gate -i prod.hcl --limit group=workers --plan examples/plans/kubelet-1.15.hcl
#
# Exit 1 (no-go: hosts blocked by failing checks).

rules {
  max_unreachable = 0 # every worker must be judged
  max_no_go       = 0 # no worker may be left exposed
}

change "workers" {
  select  = ["group=workers"]
  kubelet = "v1.15.5"
}
