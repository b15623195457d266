# Seed 001: a 377 GiB CentOS 7 k8s node that kept dying; `dmesg | grep -i
# memory` showed "Memory cgroup out of memory ... kill process", and
# kubepods/memory.kmem.slabinfo was readable (kmem accounting on, the leak).
# The seed gives no versions: CentOS 7.6.1810 / 3.10.0-957.el7, kubelet
# v1.16.15 and Docker 19.03.2 with containerd.io 1.2.10's runc 1.0.0-rc8+dev
# (outputs as those releases print them). Cached is 333 GiB as in the seed.
description = "seed 001: CentOS 7.6 node, memcg OOM kills in dmesg, kubepods kmem accounting active"
base        = "_centos7"

modes = {
  "/sys/kernel/debug" = "0700"
}

memcg {
  driver             = "cgroupfs"
  seed               = 1001
  pods               = 21
  containers_per_pod = 2
  services           = ["containerd.service", "docker.service", "kubelet.service", "sshd.service", "crond.service", "rsyslog.service"]
  users              = [0, 1000]

  # The pod whose container the OOM killer hit (dmesg names it).
  pod "7c4d2f0e-93b1-4e8a-a6f5-2d91c0b8e374" {
    qos        = "burstable"
    containers = [
      "5a0c6e1f2b3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6",
      "e3f1a9c27b5d4e60819fa2c3d4b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
    ]
  }

  kmem {
    kubepods   = "active"
    pods       = "active"
    containers = "active"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 41
}

expect {
  hostname              = "bj-k8s-prod-node21"
  os_id                 = "centos"
  os_version_id         = "7"
  redhat_release        = "CentOS Linux release 7.6.1810 (Core)"
  kernel_release        = "3.10.0-957.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 80
  slab_entries          = 183
  nokmem_running        = false
  nokmem_persisted      = false
  memcg_num_cgroups     = 1375
  kubepods_kmem         = "active"
  containers_kmem       = "active"
  runc                  = ["runc 1.0.0-rc8+dev"]
  docker                = "19.03.2"
  containerd            = "1.2.10"
  kubelet               = "v1.16.15"
  kubelet_cgroup_driver = "cgroupfs"
  docker_cgroup_driver  = "cgroupfs"
  kernel_log_source     = "dmesg"
  kernel_log_signatures = ["memcg_oom", "kmem_usage"]
  host_status           = "noncompliant"
  checks = {
    "kmem.kernel"     = "fail"
    "kmem.accounting" = "fail"
    "kmem.runc"       = "fail"
    "kmem.kubelet"    = "fail"
    "kmem.kernel_log" = "fail"
    "kmem.risk"       = "fail"
  }
}
