# Mitigate the kmem leak on the CentOS 7 workers: boot the last CentOS 7
# kernel with cgroup.memory=nokmem, and replace runc with 1.0.0-rc95 (which
# ignores kernel memory limits whatever the boot options). The kubelet stays
# at 1.12: with nokmem in effect it can no longer switch kmem accounting on.
#
# The rollout reboots every node (the kernel and the boot option need it), so
# the gate predicts the state after the reboot: kubepods and container
# cgroups read EIO, the memcg IDs leaked so far are freed, dmesg starts empty.
# cgroup.memory=nokmem is reported working from 3.10.0-1062.el7 on; the gate
# says so in its predictions, and `kaudit run` after the rollout verifies it.
#
#   kaudit gate -i prod.hcl --limit group=workers --plan examples/plans/nokmem.hcl
#
# Exit 0 (go).

rules {
  max_unreachable = "10%"
}

change "workers" {
  select        = ["group=workers"]
  kernel        = "3.10.0-1160.el7.x86_64"
  boot_args_add = ["cgroup.memory=nokmem"]
  runc          = "1.0.0-rc95"
}
